package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/core/leases"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/opencontainers/go-digest"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// The e2e tests of "nothing lost, nothing written where no one meant to"
// (findings F1, F2, F5, F10, F13, F22, F28 of the reliability review).

// loadSmall builds and loads a one-file image, removed when the test ends.
func loadSmall(t *testing.T, ref string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "small.tar")
	if _, err := images.Build(p, images.Spec{Ref: ref, Files: map[string]images.File{"/id": images.Regular([]byte(ref), 0o644)}}); err != nil {
		t.Fatal(err)
	}
	if r := ctr(t, "cri", "load", p); r.Code != 0 {
		t.Fatalf("load: exit %d, %s", r.Code, r.Stderr)
	}
	t.Cleanup(func() { deleteImage(t, ref) })
}

func isTar(b []byte) bool {
	_, err := tar.NewReader(bytes.NewReader(b)).Next()
	return err == nil
}

// F1, F22: save -o writes devices, FIFOs and /dev/stdout in place, follows
// symlinks (the link stays, its target is replaced) and keeps a replaced
// file's mode. Before, each became a regular 0644 file.
func TestSaveNeverReplacesWhatItWasNotAskedTo(t *testing.T) {
	ref := "localhost/ctrcri/e2e-saveto:v1"
	loadSmall(t, ref)
	dir := t.TempDir()

	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(dir, "private.tar")
	if err := os.WriteFile(private, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.tar")
	if err := os.Symlink("private.tar", link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.tar")
	if err := os.Symlink("later.tar", dangling); err != nil {
		t.Fatal(err)
	}

	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	for _, out := range []string{null, fifo, link, dangling} {
		if r := ctr(t, "cri", "save", "-o", out, ref); r.Code != 0 || r.Stderr != "" {
			t.Errorf("save -o %s: exit %d, stderr %q", filepath.Base(out), r.Code, r.Stderr)
		}
	}
	if b := <-got; !isTar(b) {
		t.Errorf("the FIFO's reader got %d bytes, not an archive", len(b))
	}
	for p, want := range map[string]fs.FileMode{null: fs.ModeDevice | fs.ModeCharDevice, fifo: fs.ModeNamedPipe, link: fs.ModeSymlink, dangling: fs.ModeSymlink} {
		if fi, err := os.Lstat(p); err != nil || fi.Mode().Type() != want {
			t.Errorf("%s became %v, want %v", filepath.Base(p), fi.Mode().Type(), want)
		}
	}
	for _, p := range []string{private, filepath.Join(dir, "later.tar")} {
		b, _ := os.ReadFile(p)
		fi, err := os.Stat(p)
		if err != nil || !isTar(b) {
			t.Errorf("%s: %v, archive %v", filepath.Base(p), err, isTar(b))
		}
		if p == private && fi.Mode().Perm() != 0o600 {
			t.Errorf("replacing a 0600 archive made it %v", fi.Mode().Perm())
		}
	}

	// /dev/stdout is the pipe the caller reads.
	r := ctr(t, "cri", "save", "-o", "/dev/stdout", ref)
	if r.Code != 0 || !isTar([]byte(r.Stdout)) {
		t.Errorf("save -o /dev/stdout: exit %d, %d bytes on stdout, stderr %q", r.Code, len(r.Stdout), r.Stderr)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 6 {
		t.Errorf("temporary files left: %v", ents)
	}
}

// F28: save --platform of an image that has nothing for that platform is
// an error, not an archive of another platform.
func TestSavePlatformOfASingleManifestImage(t *testing.T) {
	ref := "localhost/ctrcri/e2e-saveplat:v1"
	loadSmall(t, ref)
	out := filepath.Join(t.TempDir(), "arm.tar")
	r := ctr(t, "cri", "save", "--platform", "linux/s390x", "-o", out, ref)
	wantFail(t, r, 1, "no content for platform linux/s390x")
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed save wrote %s", out)
	}
}

// F2: concurrent loads of one archive all succeed and every image exists
// afterwards: the same name on the same image is no conflict, and no
// loader's rollback takes another's images.
func TestConcurrentLoadsOfOneArchive(t *testing.T) {
	dir := t.TempDir()
	var specs []images.Spec
	var refs []string
	for i := range 6 {
		ref := fmt.Sprintf("localhost/ctrcri/e2e-race:%d", i)
		refs = append(refs, ref)
		specs = append(specs, images.Spec{Ref: ref, Files: map[string]images.File{"/n": images.Regular([]byte(ref), 0o644)}})
	}
	archive := filepath.Join(dir, "race.tar")
	if _, err := images.Build(archive, specs...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, r := range refs {
			deleteImage(t, r)
		}
	})
	want := strings.Join(refs, "\n") + "\n"
	start := time.Now()
	for _, loaders := range []int{3, 8} {
		for trial := range 40 {
			for _, r := range refs {
				deleteImage(t, r)
			}
			res := make([]devnode.Result, loaders)
			var wg sync.WaitGroup
			for i := range loaders {
				wg.Go(func() { res[i] = ctr(t, "cri", "load", archive) })
			}
			wg.Wait()
			for i, r := range res {
				if r.Code != 0 || r.Stdout != want {
					t.Errorf("%d loaders, trial %d, load %d: exit %d, stdout %q, stderr %q", loaders, trial, i, r.Code, r.Stdout, r.Stderr)
				}
			}
			listed := mustCtr(t, "cri", "images", "-o", "go-template={{range .images}}{{range .repoTags}}{{.}}\n{{end}}{{end}}")
			for _, r := range refs {
				if !slices.Contains(strings.Split(listed, "\n"), r) {
					t.Errorf("%d loaders, trial %d: %s is missing afterwards", loaders, trial, r)
				}
			}
			if t.Failed() {
				return
			}
		}
	}
	t.Logf("80 trials of concurrent loads in %v", time.Since(start))
}

// 20 pods run at once, then removed by overlapping rm and rmp processes:
// every run succeeds, and the removals take exactly the pods and
// containers they were given, leaving a pod they were not given alone.
func TestParallelRunAndOverlappingRemovals(t *testing.T) {
	keeper := "e2e-keeper"
	keepID := oneID(t, "run", ctr(t, "cri", "run", "--pull", "missing", ctrFile(t, "keep", devnode.BusyboxImage), podFile(t, keeper)).Stdout)
	const n = 20
	ctrIDs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("e2e-par-%d", i)
		pod, c := podFile(t, name), ctrFile(t, "par", devnode.BusyboxImage)
		wg.Go(func() {
			r := ctr(t, "cri", "run", "--pull", "missing", c, pod)
			if r.Code != 0 || !fullID.MatchString(strings.TrimSpace(r.Stdout)) {
				t.Errorf("parallel run %d: exit %d, stdout %q, stderr %q", i, r.Code, r.Stdout, r.Stderr)
			}
			ctrIDs[i] = strings.TrimSpace(r.Stdout)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	running := mustCtr(t, "cri", "ps", "-q", "--name", "^par$")
	if got := len(strings.Fields(running)); got != n {
		t.Fatalf("%d containers running after %d parallel runs", got, n)
	}
	// Two rm -f and two rmp -f of the same targets, at once.
	var podRefs []string
	for i := range n {
		podRefs = append(podRefs, fmt.Sprintf("e2e/e2e-par-%d", i))
	}
	for range 2 {
		wg.Go(func() { ctr(t, append([]string{"cri", "rm", "-f"}, ctrIDs...)...) })
		wg.Go(func() { ctr(t, append([]string{"cri", "rmp", "-f"}, podRefs...)...) })
	}
	wg.Wait()
	// A last pass removes what the racers left (each may lose a race and
	// say so); it must find the targets gone or remove them cleanly.
	ctr(t, append([]string{"cri", "rmp", "-f"}, podRefs...)...)
	for i := range n {
		if left := podsLabelled(t, fmt.Sprintf("e2e-par-%d", i)); len(left) != 0 {
			t.Errorf("pod e2e-par-%d left: %v", i, left)
		}
	}
	if kept := podsLabelled(t, keeper); len(kept) != 1 || kept[0].State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Errorf("the keeper pod, which no removal named, is %v", kept)
	}
	if got := strings.TrimSpace(mustCtr(t, "cri", "ps", "-q")); !strings.Contains(got, keepID) {
		t.Errorf("the keeper's container is gone: ps -q = %q", got)
	}
	if out := mustCtr(t, "cri", "ps", "-a", "-q", "--name", "^par$"); out != "" {
		t.Errorf("containers left: %q", out)
	}
	if out := mustCtr(t, "cri", "orphans", "-q"); out != "" {
		t.Errorf("orphans after the overlapping removals: %q", out)
	}
}

// F5: rm deletes the container's log file and its rotations inside its
// pod's log directory, and nothing else: not a file a "../" log path
// points at, not look-alikes beside the log.
func TestRmDeletesOnlyTheContainersOwnLog(t *testing.T) {
	dir := t.TempDir()
	podLogs := filepath.Join(dir, "pods", "logtrav")
	victims := filepath.Join(dir, "victims")
	if err := os.MkdirAll(podLogs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(victims, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"trav", "trav.cfg"} {
		if err := os.WriteFile(filepath.Join(victims, f), []byte("keep\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	podID, podCfg := runPod(t, "logtrav", func(c *runtimeapi.PodSandboxConfig) { c.LogDirectory = podLogs })

	trav := devnode.ContainerConfig("trav", devnode.BusyboxImage, "true")
	trav.LogPath = "../../victims/trav"
	travID := startContainer(t, podID, podCfg, trav)
	waitExited(t, travID)
	wantFail(t, ctr(t, "cri", "rm", travID), 1, "leaves the pod's log directory")
	for _, f := range []string{"trav", "trav.cfg"} {
		if _, err := os.Stat(filepath.Join(victims, f)); err != nil {
			t.Errorf("rm of a container whose log_path is ../../victims/trav deleted %s", f)
		}
	}

	own := devnode.ContainerConfig("own", devnode.BusyboxImage, "true")
	own.LogPath = "own.log"
	ownID := startContainer(t, podID, podCfg, own)
	waitExited(t, ownID)
	for _, f := range []string{"own.log.20261101-120000", "own.log.20261101-110000.gz", "own.log.conf", "own.log.bak"} {
		if err := os.WriteFile(filepath.Join(podLogs, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantOK(t, ctr(t, "cri", "rm", ownID), ownID+"\n")
	var left []string
	ents, _ := os.ReadDir(podLogs)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "own.log.bak own.log.conf" {
		t.Errorf("after rm, the pod's log directory holds %v; want only own.log.bak and own.log.conf", left)
	}
}

// leaseIDs lists the leases in CRI's namespace.
func leaseIDs(t *testing.T) map[string]leases.Lease {
	t.Helper()
	ctx := namespaces.WithNamespace(context.Background(), devnode.Namespace)
	ls, err := ctrdClient(t).LeasesService().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]leases.Lease{}
	for _, l := range ls {
		m[l.ID] = l
	}
	return m
}

// F10: an archive beyond --max-size is refused with a line naming the
// flag, and nothing of it stays in containerd's store.
func TestLoadBeyondTheSizeBoundLeavesNothing(t *testing.T) {
	// A valid small image plus a 64MiB blob of zeros that nothing refers to
	// (F10's bomb, scaled down): every file of an archive is ingested.
	var img bytes.Buffer
	if _, err := images.Write(&img, images.Spec{Ref: "localhost/ctrcri/e2e-bomb:v1",
		Files: map[string]images.File{"/id": images.Regular([]byte("bomb"), 0o644)}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for tr := tar.NewReader(&img); ; {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(tw, tr)
	}
	zeros := make([]byte, 64<<20)
	if err := tw.WriteHeader(&tar.Header{Name: "blobs/sha256/" + digest.FromBytes(zeros).Encoded(), Mode: 0o644, Size: int64(len(zeros)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(zeros); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	before := contentState(t)
	wantFail(t, ctr(t, "cri", "load", "--max-size", "16MiB", p), 1, "the archive holds more than 16MiB uncompressed (raise the bound with --max-size)")
	for _, l := range contentState(t) {
		if !slices.Contains(before, l) {
			t.Errorf("the refused load left %q", l)
		}
	}
	wantFail(t, ctr(t, "cri", "load", "--max-entries", "3", p), 1, "more than 3 entries (raise the bound with --max-entries)")
	// Raised, it loads.
	if r := ctr(t, "cri", "load", "--max-size", "1GiB", p); r.Code != 0 {
		t.Errorf("load --max-size 1GiB: exit %d, %s", r.Code, r.Stderr)
	}
	deleteImage(t, "localhost/ctrcri/e2e-bomb:v1")
}

// F13: Ctrl-C during a load exits 130 and releases its lease at once; a
// load that is killed leaves a lease that expires within minutes, not an
// hour.
func TestInterruptedLoadReleasesItsLease(t *testing.T) {
	n := testNode(t)
	noise := make([]byte, 4<<20)
	for i := range noise {
		noise[i] = byte(i * 7919 >> 3)
	}
	var buf bytes.Buffer
	if _, err := images.Write(&buf, images.Spec{Ref: "localhost/ctrcri/e2e-slow:v1", Files: map[string]images.File{"/noise": images.Regular(noise, 0o644)}}); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		before := leaseIDs(t)
		cmd := exec.Command(ctrBin, "--address", n.Socket, "cri", "load", "-")
		cmd.Env = devnode.CleanEnv()
		stdin, _ := cmd.StdinPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Half the archive, then the sender stalls: the load is mid-way.
		_, _ = stdin.Write(buf.Bytes()[:buf.Len()/2])
		var fresh []leases.Lease
		deadline := time.Now().Add(20 * time.Second)
		for len(fresh) == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			for id, l := range leaseIDs(t) {
				if _, ok := before[id]; !ok {
					fresh = append(fresh, l)
				}
			}
		}
		if len(fresh) != 1 {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%v: want the load's one lease, got %v", sig, fresh)
		}
		_ = cmd.Process.Signal(sig)
		err := cmd.Wait()
		stdin.Close()
		after := leaseIDs(t)
		_, held := after[fresh[0].ID]
		switch sig {
		case syscall.SIGINT:
			if code := cmd.ProcessState.ExitCode(); code != 130 || stderr.Len() != 0 {
				t.Errorf("load interrupted: exit %d (%v), stderr %q; want 130 and nothing said", code, err, stderr.String())
			}
			if held {
				t.Errorf("the interrupted load's lease %s is still there", fresh[0].ID)
			}
		case syscall.SIGKILL:
			exp, perr := time.Parse(time.RFC3339Nano, fresh[0].Labels["containerd.io/gc.expire"])
			if !held || perr != nil || time.Until(exp) > 31*time.Minute {
				t.Errorf("killed load's lease: held %v, expires %v (%v); want within 30 minutes", held, exp, perr)
			}
			ctx := namespaces.WithNamespace(context.Background(), devnode.Namespace)
			_ = ctrdClient(t).LeasesService().Delete(ctx, fresh[0], leases.SynchronousDelete)
		}
	}
}
