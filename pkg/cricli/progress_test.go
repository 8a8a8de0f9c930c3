package cricli

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
)

// runWithContent runs ctr in the background with cs as containerd's
// content store (the fake CRI server has none) and stderr as given.
func runWithContent(t *testing.T, ep string, cs ctrd.PullContent, stderr io.Writer, args ...string) *bgRun {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	empty := filepath.Join(t.TempDir(), "crictl.yaml")
	writeAt(t, empty, "")
	t.Setenv("CRI_CONFIG_FILE", empty)
	t.Setenv("NO_COLOR", "1") // plain bars, easier to match; colour is printer_test's
	s := &bgRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	root := app.New()
	root.Commands = append(root.Commands, NewCommand(Options{Now: testNow, PullContent: cs}))
	root.Reader = strings.NewReader("")
	if stderr == nil {
		stderr = s.stderr
	}
	argv := append([]string{"ctr", "--address", ep}, args...)
	go func() { s.done <- Run(context.Background(), root, argv, s.stdout, stderr) }()
	return s
}

const (
	progImage = "localhost:5000/e2e/hello:1"
	progRepo  = "localhost:5000/e2e/hello"
)

var cursorUp = regexp.MustCompile(`\x1b\[\d+A`)

// Finding #18 / A.9 (issue 11 item 5): on a terminal, pull shows a line
// per blob of this image — the one downloading with a bar, its size, rate
// and ETA — redrawn in place, and leaves one line of what was pulled. An
// unrelated download in the same namespace (a kubelet pull) shows nowhere.
func TestPullOnATerminalShowsBarsForThisPullOnly(t *testing.T) {
	s := node(t)
	cs := ctrdtest.NewContent(t)
	master, slave := openPTY(t)
	setSize(t, slave, 120, 30)
	screen := &syncBuffer{}
	readScreen(screen, master)

	s.ImageService.Lock() // PullImage waits until the content is in
	locked := true
	defer func() {
		if locked {
			s.ImageService.Unlock()
		}
	}()
	r := runWithContent(t, s.Endpoint, cs, slave, "cri", "pull", progImage)

	otherLayer := ctrdtest.Data('o', 9_000_000)
	other := cs.Fetch("layer", ocispec.MediaTypeImageLayerGzip, otherLayer).Write(7_000_000)
	defer other.Abort()
	otherShort := strings.TrimPrefix(other.Desc.Digest.String(), "sha256:")[:12]

	layer := ctrdtest.Data('l', 4_000_000)
	cfgData := []byte(`{"architecture":"amd64"}`)
	cfg := ctrdtest.Desc(ocispec.MediaTypeImageConfig, cfgData)
	layerDesc := ctrdtest.Desc(ocispec.MediaTypeImageLayerGzip, layer)
	cs.Put("manifest", ocispec.MediaTypeImageManifest, ctrdtest.Manifest(cfg, layerDesc), progRepo)
	cs.Put("config", ocispec.MediaTypeImageConfig, cfgData, progRepo)
	ours := cs.Fetch("layer", ocispec.MediaTypeImageLayerGzip, layer)
	short := strings.TrimPrefix(layerDesc.Digest.String(), "sha256:")[:12]
	for i := range 3 {
		ours.Write(1_000_000)
		screen.waitFor(t, "layer  "+short+"  |")
		screen.waitFor(t, []string{"976.6 KiB/3.8 MiB", "1.9 MiB/3.8 MiB", "2.9 MiB/3.8 MiB"}[i])
		time.Sleep(300 * time.Millisecond) // a rate to measure
	}
	got := screen.String()
	if !regexp.MustCompile(`layer  ` + short + `  \|\++-+\|  2\.9 MiB/3\.8 MiB  [0-9.]+ [KM]iB/s  ETA \d+s`).MatchString(got) {
		t.Errorf("want the layer's bar with size, rate and ETA; the terminal got\n%s", got)
	}
	if !strings.Contains(got, "config "+strings.TrimPrefix(cfg.Digest.String(), "sha256:")[:12]+"  done") {
		t.Errorf("the config blob has no line:\n%s", got)
	}
	// Rates are left out of the check: this layer's own rate can read
	// "6.7 MiB/s", the other ingest's size. Every total must be this
	// image's 3.8 MiB; with the other ingest counted it would be 12.4 MiB.
	sizes := regexp.MustCompile(`[0-9.]+ [KMG]?i?B/s`).ReplaceAllString(got, "")
	if strings.Contains(sizes, otherShort) || strings.Contains(sizes, "/8.6 MiB") || strings.Contains(sizes, "6.7 MiB") {
		t.Errorf("another pull's ingest was shown or counted:\n%s", got)
	}
	totals := regexp.MustCompile(`total  [0-9.]+ [KMG]?i?B/[0-9.]+ [KMG]?i?B`).FindAllString(sizes, -1)
	if len(totals) == 0 {
		t.Errorf("no total line on the terminal:\n%s", got)
	}
	for _, total := range totals {
		if !strings.HasSuffix(total, "/3.8 MiB") {
			t.Errorf("a total counts more than this pull's blobs: %q", total)
		}
	}
	if !cursorUp.MatchString(got) {
		t.Errorf("frames should replace each other in place (cursor up):\n%q", got)
	}

	ours.Commit(progRepo)
	s.ImageService.Unlock()
	locked = false
	res := r.wait(t)
	if res.code != 0 || res.stdout != "Image is up to date for "+progImage+"\n" {
		t.Fatalf("pull: exit %d, stdout %q", res.code, res.stdout)
	}
	screen.waitFor(t, "Pulled "+progImage+" in ")
	time.Sleep(100 * time.Millisecond)
	final := screen.String()
	tail := final[strings.LastIndex(final, "\x1b[J")+len("\x1b[J"):]
	if !regexp.MustCompile(`^Pulled ` + regexp.QuoteMeta(progImage) + ` in [0-9.]+s: 3\.8 MiB \([0-9.]+ [KM]iB/s\), 2 blobs\r\n$`).MatchString(tail) {
		t.Errorf("after the pull the bars should give way to one line; the screen ends with %q", tail)
	}
}

// In a pipe, pull runs no watch (no extra RPC) and says nothing on stderr:
// output.md's "stderr is empty on success".
func TestPullInAPipeIsSilentOnStderr(t *testing.T) {
	s := node(t)
	cs := ctrdtest.NewContent(t)
	cs.Fetch("layer", ocispec.MediaTypeImageLayerGzip, ctrdtest.Data('x', 1000)).Write(10)
	res := runWithContent(t, s.Endpoint, cs, nil, "cri", "pull", progImage).wait(t)
	if res.code != 0 || res.stderr != "" || res.stdout != "Image is up to date for "+progImage+"\n" {
		t.Errorf("pull into a pipe: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("pull into a pipe asked the runtime %v (progress is for terminals only)", calls)
	}
}

// A failed pull on a terminal erases its bars: what stays is the one error
// line, as in a pipe.
func TestPullOnATerminalFailsInOneLine(t *testing.T) {
	s := node(t)
	s.ImageService.InjectError("PullImage", errors.New("registry says no"))
	master, slave := openPTY(t)
	screen := &syncBuffer{}
	readScreen(screen, master)
	res := runWithContent(t, s.Endpoint, ctrdtest.NewContent(t), slave, "cri", "pull", progImage).wait(t)
	if res.code != 1 {
		t.Fatalf("exit %d", res.code)
	}
	got := screen.waitFor(t, "registry says no")
	if strings.Contains(got, "Pulled") || strings.Count(strings.TrimSpace(got), "\n") != 0 {
		t.Errorf("a failed pull should leave one line on the terminal, got %q", got)
	}
}
