package e2e

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// Progress on a terminal (issue 11 item 5, findings #18 and A.9): pull,
// load and save show bars with size, rate and ETA on stderr, redrawn in
// place, and leave one line when done. In a pipe stderr stays empty (the
// other e2e tests check that).

// terminal is a pseudo-terminal whose screen output is kept.
type terminal struct {
	master, slave *os.File
	mu            sync.Mutex
	out           strings.Builder
}

func newTerminal(t *testing.T) *terminal {
	m, s := openPTY(t, 120, 40)
	term := &terminal{master: m, slave: s}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return term
}

func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// lastLine is what stays on the screen after the last erase.
func (term *terminal) lastLine() string {
	s := term.screen()
	return s[strings.LastIndex(s, "\x1b[J")+len("\x1b[J"):]
}

// ctrOnTerminal runs ctr with stderr on the terminal and stdout in a
// buffer; stdin is the file given, or empty.
func ctrOnTerminal(t *testing.T, term *terminal, stdin *os.File, args ...string) devnode.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), devnode.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ctrBin, append([]string{"--address", testNode(t).Socket}, args...)...)
	cmd.Env = append(devnode.CleanEnv(), "NO_COLOR=1")
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, term.slave
	if stdin != nil {
		cmd.Stdin = stdin
	}
	err := cmd.Run()
	r := devnode.Result{Stdout: stdout.String()}
	if err != nil {
		r.Code = cmd.ProcessState.ExitCode()
	}
	time.Sleep(100 * time.Millisecond) // let the reader drain the pty
	t.Logf("$ ctr %s  # exit %d\n%s\nterminal: %q", strings.Join(args, " "), r.Code, r.Stdout, term.screen())
	return r
}

func short(d string) string { return strings.TrimPrefix(d, "sha256:")[:12] }

// A pull on a terminal while a kubelet-style pull of another image runs at
// the same time: the other image's layer is neither shown nor counted.
func TestPullProgressCountsOnlyThisPull(t *testing.T) {
	ours := testImage(t, "e2e/progress:1", 3<<20)
	host := registryWith(t, ours, "e2e/progress", "1", "", "", 3*time.Second)
	other := testImage(t, "e2e/other:1", 5<<20)
	otherHost := registryWith(t, other, "e2e/other", "1", "", "", 8*time.Second)
	ref := host + "/e2e/progress:1"
	ic := imageClient(t)
	t.Cleanup(func() {
		for _, id := range []string{ours.ID(), other.ID()} {
			_, _ = ic.RemoveImage(context.Background(), &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: id}})
		}
	})

	// The other pull goes straight to CRI, as the kubelet's does; it is
	// half-way through its layer, stalled, while ours runs.
	otherDone := make(chan error, 1)
	go func() {
		_, err := ic.PullImage(context.Background(), &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: otherHost + "/e2e/other:1"}})
		otherDone <- err
	}()
	waitIngest(t, other.LayerDesc.Digest.String())

	term := newTerminal(t)
	r := ctrOnTerminal(t, term, nil, "cri", "pull", ref)
	if r.Code != 0 || r.Stdout != "Image is up to date for "+ours.ID()+"\n" {
		t.Fatalf("pull: exit %d, stdout %q", r.Code, r.Stdout)
	}
	screen := term.screen()
	bar := regexp.MustCompile(`layer  ` + short(ours.LayerDesc.Digest.String()) + `  \|\++-*\|  1\.[0-9] MiB/3\.0 MiB  [0-9.]+ [KMG]?i?B/s  ETA (\d+s|--)`)
	if !bar.MatchString(screen) {
		t.Errorf("no bar with size, rate and ETA for the layer while the registry stalled half-way")
	}
	if strings.Contains(screen, short(other.LayerDesc.Digest.String())) || strings.Contains(screen, "/8.0 MiB") {
		t.Errorf("the other pull's layer was shown or counted")
	}
	if !regexp.MustCompile(`total  1\.[0-9] MiB/3\.0 MiB `).MatchString(screen) {
		t.Errorf("the total should be this image's (3.0 MiB and its config), nothing more")
	}
	if n := strings.Count(screen, "\x1b[J"); n < 3 {
		t.Errorf("the frames should be redrawn in place (%d erases)", n)
	}
	want := regexp.MustCompile(`^Pulled ` + regexp.QuoteMeta(ref) + ` in [0-9.]+s: 3\.0 MiB \([0-9.]+ [KM]iB/s\), 2 blobs\r\n$`)
	if last := term.lastLine(); !want.MatchString(last) {
		t.Errorf("the bars should give way to one line, got %q", last)
	}
	if err := <-otherDone; err != nil {
		t.Errorf("the other pull: %v", err)
	}
}

// waitIngest waits until containerd is writing the blob d in k8s.io.
func waitIngest(t *testing.T, d string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(mustCtr(t, "-n", "k8s.io", "content", "active"), d) {
			return
		}
	}
	t.Fatalf("containerd never started writing %s", d)
}

// load FILE shows the file's size, %, rate and ETA; load - shows bytes
// read; both end in one line; save -o FILE shows what it wrote.
func TestLoadAndSaveProgressOnATerminal(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 8<<20)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(data)
	const ref = "localhost/ctrcri/e2e-progress:v1"
	archive := filepath.Join(dir, "progress.tar")
	if _, err := images.Build(archive, images.Spec{Ref: ref, Files: map[string]images.File{"/blob": images.Regular(data, 0o644)}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteImage(t, ref) })

	term := newTerminal(t)
	if r := ctrOnTerminal(t, term, nil, "cri", "load", archive); r.Code != 0 || r.Stdout != ref+"\n" {
		t.Fatalf("load: exit %d, stdout %q", r.Code, r.Stdout)
	}
	screen := term.screen()
	if !regexp.MustCompile(`progress\.tar  \|[+-]+\|  [0-9.]+ [KM]iB/8\.0 MiB \(\d+%\)  [0-9.]+ [KMG]?i?B/s  ETA \S+`).MatchString(screen) {
		t.Errorf("load FILE: no bar with the file's size, %%, rate and ETA")
	}
	if !regexp.MustCompile(`^Loaded ` + regexp.QuoteMeta(archive) + `: 8\.0 MiB in [0-9.]+s \([0-9.]+ [KMG]iB/s\)\r\n$`).MatchString(term.lastLine()) {
		t.Errorf("load FILE should end in one line, got %q", term.lastLine())
	}

	saved := filepath.Join(dir, "saved.tar")
	term = newTerminal(t)
	if r := ctrOnTerminal(t, term, nil, "cri", "save", "-o", saved, ref); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("save: exit %d, stdout %q", r.Code, r.Stdout)
	}
	fi, err := os.Stat(saved)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`saved\.tar  (\|[+-]+\|  [0-9.]+ [KM]iB/~8\.0 MiB \(\d+%\)  [0-9.]+ [KMG]?i?B/s  ETA \S+|[0-9.]+ [KM]iB  [0-9.]+ [KMG]?i?B/s)`).MatchString(term.screen()) {
		t.Errorf("save: no progress while writing")
	}
	if !regexp.MustCompile(`^Saved `+regexp.QuoteMeta(saved)+`: 8\.0 MiB in [0-9.]+s \([0-9.]+ [KMG]iB/s\)\r\n$`).MatchString(term.lastLine()) || fi.Size() < 8<<20 {
		t.Errorf("save should end in one line of what it wrote (%d bytes), got %q", fi.Size(), term.lastLine())
	}

	// From standard input (a pipe, no size known), with no FILE argument:
	// docker load's habit.
	mustCtr(t, "cri", "rmi", ref)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		f, _ := os.Open(saved)
		_, _ = io.Copy(pw, f)
		f.Close()
		pw.Close()
	}()
	term = newTerminal(t)
	r := ctrOnTerminal(t, term, pr, "cri", "load")
	pr.Close()
	if r.Code != 0 || r.Stdout != ref+"\n" {
		t.Fatalf("load from a pipe: exit %d, stdout %q", r.Code, r.Stdout)
	}
	if !regexp.MustCompile(`-  [0-9.]+ [KM]iB  [0-9.]+ [KMG]?i?B/s`).MatchString(term.screen()) {
		t.Errorf("load from stdin: no bytes and rate")
	}
	if !regexp.MustCompile(`^Loaded -: 8\.0 MiB in `).MatchString(term.lastLine()) {
		t.Errorf("load - should end in one line, got %q", term.lastLine())
	}
}

// Without FILE and with stdin a terminal, load refuses at once instead of
// waiting for an archive to be typed.
func TestLoadWithoutFileOnATerminalIsAUsageError(t *testing.T) {
	term := newTerminal(t)
	r := ctrOnTerminal(t, term, term.slave, "cri", "load")
	if r.Code != 2 || !strings.Contains(term.screen(), "ctr: load needs an archive: FILE, or - for standard input (stdin is a terminal)") {
		t.Errorf("load on a terminal without FILE: exit %d", r.Code)
	}
}
