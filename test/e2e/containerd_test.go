package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	ctrdimages "github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"
	"github.com/opencontainers/runtime-spec/specs-go"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// An operator ships an image to an air-gapped node as a file: load puts it
// where CRI looks, a pod runs it at once, save gives the same bytes back,
// and after removing the image, loading the saved file restores it.
func TestLoadSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	spec, err := images.Busybox(images.BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	spec.Ref = "localhost/ctrcri/e2e-loaded:v1"
	spec.Files["/etc/e2e"] = images.Regular([]byte("loaded\n"), 0o644) // an image ID of its own
	built, err := images.Build(filepath.Join(dir, "loaded.tar"), spec)
	if err != nil {
		t.Fatal(err)
	}
	id := built[0].ID()

	r := ctr(t, "cri", "load", filepath.Join(dir, "loaded.tar"))
	if r.Code != 0 || r.Stderr != "" || r.Stdout != spec.Ref+"\n" {
		t.Fatalf("load: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	t.Cleanup(func() { deleteImage(t, spec.Ref) })
	if out := mustCtr(t, "cri", "images", "-q", spec.Ref); strings.TrimSpace(out) != id {
		t.Errorf("images -q %s = %q, want %s", spec.Ref, out, id)
	}

	// A pod runs the loaded image straight away: it was unpacked for CRI.
	podID, podCfg := runPod(t, "loaded")
	ctrID := startContainer(t, podID, podCfg, devnode.ContainerConfig("loaded", spec.Ref, "sleep", "3600"))
	if out := mustCtr(t, "cri", "ps", "-q", "--name", "^loaded$"); strings.TrimSpace(out) != ctrID {
		t.Errorf("the container of the loaded image is not running: %q", out)
	}

	// save by ID prefix: the archive names the image, load reads it back.
	saved := filepath.Join(dir, "saved.tar")
	if r := ctr(t, "cri", "save", "-o", saved, strings.TrimPrefix(id, "sha256:")[:12]); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("save: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	removePod(t, podID)
	mustCtr(t, "cri", "rmi", spec.Ref)
	if out := mustCtr(t, "cri", "images", "-q", spec.Ref); out != "" {
		t.Fatalf("image still listed after rm: %q", out)
	}
	// From standard input this time.
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if r := ctrStdin(t, string(data), "cri", "load", "-"); r.Code != 0 || r.Stdout != spec.Ref+"\n" {
		t.Fatalf("load - of the saved archive: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if out := mustCtr(t, "cri", "images", "-q", spec.Ref); strings.TrimSpace(out) != id {
		t.Errorf("after the round trip, images -q = %q, want %s", out, id)
	}
}

// contentState lists what containerd holds in CRI's namespace: content,
// images, snapshots, leases and unfinished ingests, one entry a line.
func contentState(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, args := range [][]string{
		{"content", "ls", "-q"}, {"images", "ls", "-q"}, {"snapshots", "ls"}, {"leases", "ls", "-q"}, {"content", "active"},
	} {
		for _, l := range strings.Split(mustCtr(t, append([]string{"-n", "k8s.io"}, args...)...), "\n") {
			out = append(out, args[0]+": "+l)
		}
	}
	return out
}

// A copy cut short in transit: load says which file is broken and leaves
// nothing of it in containerd.
func TestLoadTruncatedArchiveLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	noise := make([]byte, 256<<10) // incompressible: a layer of its own
	rand.Read(noise)
	var buf bytes.Buffer
	built, err := images.Write(&buf, images.Spec{Ref: "localhost/ctrcri/e2e-truncated:v1", Files: map[string]images.File{"/noise": images.Regular(noise, 0o644)}})
	if err != nil {
		t.Fatal(err)
	}
	// Cut in the middle of the last entry: every blob before it is already
	// stored when the import fails.
	var last int64
	for tr := tar.NewReader(bytes.NewReader(buf.Bytes())); ; {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		last = hdr.Size
	}
	end := int64(buf.Len()) - 1024 - (512-last%512)%512 // the trailer, the padding
	cut := filepath.Join(dir, "cut.tar")
	if err := os.WriteFile(cut, buf.Bytes()[:end-last/2], 0o644); err != nil {
		t.Fatal(err)
	}
	notTar := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notTar, []byte("not an image\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	before := contentState(t)
	r := ctr(t, "cri", "load", cut, notTar)
	if r.Code != 1 || r.Stdout != "" {
		t.Fatalf("load of broken files: exit %d, stdout %q", r.Code, r.Stdout)
	}
	want := []string{`ctr: load "` + cut + `": truncated archive`, `ctr: load "` + notTar + `": not a tar archive`}
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], want[0]) || !strings.HasPrefix(lines[1], want[1]) {
		t.Errorf("stderr %q, want two lines starting %q", r.Stderr, want)
	}
	// Compared one way: the garbage collector may still be taking what
	// earlier tests removed.
	for _, l := range contentState(t) {
		if !slices.Contains(before, l) {
			t.Errorf("the failed load left %q", l)
		}
	}
	if out := mustCtr(t, "-n", "k8s.io", "content", "ls", "-q"); strings.Contains(out, built[0].LayerDesc.Digest.String()) {
		t.Errorf("the layer of the truncated archive is in the content store")
	}
}

// inspect --containerd and ps -o wide show the process containerd runs for
// a CRI container: a real PID on this host.
func TestInspectContainerdShowsTheRealProcess(t *testing.T) {
	podID, podCfg := runPod(t, "xref")
	ctrID := runContainer(t, podID, podCfg, "xref", "sleep", "3600")

	var doc struct {
		Containerd struct {
			Namespace, Container, Runtime, Snapshotter, SnapshotKey, Sandboxer, SandboxID string
			Task                                                                          *struct {
				PID    int
				Status string
			}
		}
	}
	if err := json.Unmarshal([]byte(mustCtr(t, "cri", "inspect", "--containerd", "xref")), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Containerd
	if c.Namespace != "k8s.io" || c.Container != ctrID || c.Runtime != "io.containerd.runc.v2" || c.Snapshotter != "overlayfs" ||
		c.SnapshotKey == "" || c.Sandboxer != "podsandbox" || c.SandboxID != podID || c.Task == nil || c.Task.Status != "running" {
		t.Fatalf("inspect --containerd: %+v", c)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c.Task.PID))
	if err != nil || !bytes.HasPrefix(cmdline, []byte("sleep\x003600")) {
		t.Errorf("PID %d is not the container's sleep: %q, %v", c.Task.PID, cmdline, err)
	}

	// ps -o wide: the PID column.
	var row []string
	for _, l := range strings.Split(mustCtr(t, "cri", "ps", "-o", "wide"), "\n") {
		if strings.HasPrefix(l, ctrID[:13]) {
			row = strings.Fields(l)
		}
	}
	if len(row) == 0 || row[len(row)-1] != strconv.Itoa(c.Task.PID) {
		t.Errorf("ps -o wide row %q does not end with PID %d", row, c.Task.PID)
	}

	out := mustCtr(t, "cri", "inspectp", "--containerd", "-o", "table", "e2e/xref")
	for _, want := range []string{"containerd:\n", "\tContainer: " + podID, "\tTask: running, pid ", "\tSandboxer: podsandbox"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspectp --containerd -o table lacks %q:\n%s", want, out)
		}
	}
}

// Someone ran a container in k8s.io behind CRI's back: orphans shows it,
// and exits 0 (finding orphans is not a failure).
func TestOrphansShowsAContainerMadeOutsideCRI(t *testing.T) {
	client := ctrdClient(t)
	ctx := namespaces.WithNamespace(t.Context(), devnode.Namespace)
	const id = "e2e-made-by-hand"
	if _, err := client.NewContainer(ctx, id, containerd.WithRuntime("io.containerd.runc.v2", nil), containerd.WithSpec(&specs.Spec{Version: specs.Version})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx := namespaces.WithNamespace(context.Background(), devnode.Namespace)
		if err := client.ContainerService().Delete(cctx, id); err != nil {
			t.Errorf("delete %s: %v", id, err)
		}
	})
	// A CRI pod and container alongside are not orphans.
	podID, podCfg := runPod(t, "orphans")
	ctrID := runContainer(t, podID, podCfg, "orphans", "sleep", "3600")

	var rep struct {
		Namespace string
		Orphans   []struct{ Kind, ID, Problem string }
	}
	if err := json.Unmarshal([]byte(mustCtr(t, "cri", "orphans", "-o", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, o := range rep.Orphans {
		switch o.ID {
		case id:
			found = o.Kind == "containerd-container" && strings.Contains(o.Problem, "not made by CRI")
		case podID, ctrID:
			t.Errorf("a CRI object is reported as an orphan: %+v", o)
		}
	}
	if !found || rep.Namespace != "k8s.io" {
		t.Errorf("orphans -o json lacks %s: %+v", id, rep)
	}
	out := mustCtr(t, "cri", "orphans")
	if !strings.Contains(out, "containerd-container   "+id[:13]) {
		t.Errorf("orphans table lacks %s:\n%s", id, out)
	}
}

// A container that exits 3: diagnose names it with its exit code and last
// log line, and exits 1 so that a script running it on every node notices.
func TestDiagnoseReportsAContainerThatExited3(t *testing.T) {
	podID, podCfg := runPod(t, "failing")
	ctrID := runContainer(t, podID, podCfg, "failing", "sh", "-c", "echo about to fail; exit 3")
	waitExited(t, ctrID)

	r := ctr(t, "cri", "diagnose", "-o", "json")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "ctr: diagnose: ") {
		t.Fatalf("diagnose: exit %d, stderr %q; want 1 and a one-line summary", r.Code, r.Stderr)
	}
	var rep struct {
		APIVersion string
		Versions   struct{ Containerd, Runc string }
		Conditions []struct {
			Type   string
			Status bool
		}
		Config struct {
			Snapshotter  string
			SandboxImage struct{ Present bool }
		}
		Containers struct {
			Problems []struct {
				ID       string
				ExitCode *int
				LogTail  []string
			}
		}
		Problems []struct{ Severity, Check, Object, Message string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.APIVersion != "ctrcri.diagnose/v1" || rep.Versions.Containerd == "" || rep.Versions.Runc == "" ||
		rep.Config.Snapshotter != "overlayfs" || !rep.Config.SandboxImage.Present {
		t.Errorf("report header: %+v %+v %+v", rep.APIVersion, rep.Versions, rep.Config)
	}
	for _, c := range rep.Conditions {
		if (c.Type == "RuntimeReady" || c.Type == "NetworkReady") && !c.Status {
			t.Errorf("condition %s is false on the dev node", c.Type)
		}
	}
	i := slices.IndexFunc(rep.Containers.Problems, func(p struct {
		ID       string
		ExitCode *int
		LogTail  []string
	}) bool {
		return p.ID == ctrID
	})
	if i < 0 {
		t.Fatalf("the failed container is not among the container problems: %s", r.Stdout)
	}
	if p := rep.Containers.Problems[i]; p.ExitCode == nil || *p.ExitCode != 3 || !slices.Contains(p.LogTail, "about to fail") {
		t.Errorf("container problem: %+v", p)
	}
	if !slices.ContainsFunc(rep.Problems, func(p struct{ Severity, Check, Object, Message string }) bool {
		return p.Severity == "error" && p.Object == "e2e/failing/failing" && strings.HasPrefix(p.Message, "exited with code 3")
	}) {
		t.Errorf("problems lack the failed container: %+v", rep.Problems)
	}

	// For eyes: the same verdict, the container and its last log line.
	r = ctr(t, "cri", "diagnose")
	if r.Code != 1 || !strings.Contains(r.Stdout, "e2e/failing/failing: exited with code 3") || !strings.Contains(r.Stdout, "| about to fail") {
		t.Errorf("diagnose table: exit %d\n%s", r.Code, r.Stdout)
	}

	// A fixed set of RPCs: 6 CRI calls and 4 unary containerd calls (the
	// container list is a stream), none per container with --details 0.
	r = ctr(t, "cri", "--debug", "diagnose", "--details", "0")
	if n := strings.Count(r.Stderr, "DEBUG: /"); n != 10 {
		t.Errorf("diagnose --details 0 made %d unary RPCs, want 10:\n%s", n, r.Stderr)
	}
}

// ctrdClient is containerd's Go client over the node's connection.
func ctrdClient(t *testing.T) *containerd.Client {
	t.Helper()
	conn, err := testNode(t).Conn()
	if err != nil {
		t.Fatal(err)
	}
	client, err := containerd.NewWithConn(conn, containerd.WithDefaultNamespace(devnode.Namespace))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// deleteImage removes an image from CRI's namespace, if it is there.
func deleteImage(t *testing.T, ref string) {
	t.Helper()
	ctx := namespaces.WithNamespace(context.Background(), devnode.Namespace)
	if err := ctrdClient(t).ImageService().Delete(ctx, ref, ctrdimages.SynchronousDelete()); err != nil && !errdefs.IsNotFound(err) {
		t.Errorf("delete image %s: %v", ref, err)
	}
}

// waitExited waits until CRI reports the container exited.
func waitExited(t *testing.T, id string) {
	t.Helper()
	rt := runtimeClient(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := rt.ContainerStatus(t.Context(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
		if err != nil {
			t.Fatal(err)
		}
		if st.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s did not exit: %v", id, st.GetStatus().GetState())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
