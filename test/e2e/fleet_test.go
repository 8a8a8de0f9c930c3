package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// productImage is the archive `make image` writes; make test-e2e passes it.
func productImage(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CTRCRI_IMAGE")
	if p == "" {
		if repo, err := devnode.RepoRoot(); err == nil {
			p = filepath.Join(repo, "_build", "images", "ctrcri.tar")
		}
	}
	if _, err := os.Stat(p); err != nil {
		if devnode.Required() {
			t.Fatalf("no product image (run make image): %v", err)
		}
		t.Skipf("no product image (run make image): %v", err)
	}
	return p
}

type fleetReport struct {
	APIVersion string
	Kind       string
	Healthy    bool
	Endpoint   string
	Node       struct{ Name, NameFrom, Kernel, OS string }
	Versions   struct{ Containerd, Runc, CRIAPIVersion string }
	Conditions []struct {
		Type   string
		Status bool
	}
	ImageFilesystems []struct {
		Mountpoint    string
		CapacityBytes uint64
	}
}

// The DaemonSet, one node wide: the image is loaded, run as a pod through
// ctr cri run with the node's containerd socket, pod logs and image
// filesystem mounted read-only as deploy/daemonset.yaml mounts them, and
// its log holds one report of this very node, which merge reads back.
func TestDaemonSetPatternOnTheDevNode(t *testing.T) {
	n := testNode(t)
	archive := productImage(t)
	r := ctr(t, "cri", "load", archive)
	if r.Code != 0 {
		t.Fatalf("load %s: exit %d %s", archive, r.Code, r.Stderr)
	}
	ref := strings.TrimSpace(r.Stdout)
	if ref == "" || strings.Contains(ref, "\n") {
		t.Fatalf("load printed %q, want one image name", r.Stdout)
	}
	// What the node says when asked directly, to compare with the pod's.
	var direct fleetReport
	out := ctr(t, "cri", "diagnose", "-o", "json").Stdout
	if err := json.Unmarshal([]byte(out), &direct); err != nil || len(direct.ImageFilesystems) == 0 {
		t.Fatalf("direct diagnose: %v\n%s", err, out)
	}
	imageFs := direct.ImageFilesystems[0].Mountpoint

	sock := "/run/containerd/containerd.sock"
	mount := func(host, ctr string) string {
		return fmt.Sprintf("- {host_path: %q, container_path: %q, readonly: true}\n", host, ctr)
	}
	cfg := writeConfig(t, "diagnose.yaml", `metadata: {name: diagnose}
image: {image: `+ref+`}
args: [cri, diagnose, -o, ndjson, --host-root, /host]
envs:
- {key: NODE_NAME, value: devnode-e2e}
mounts:
`+mount(n.Socket, sock)+mount(filepath.Join(n.Dir, "pods"), "/host"+filepath.Join(n.Dir, "pods"))+
		// As deploy/ does: one small file of the image filesystem, not
		// the snapshot tree.
		mount(filepath.Join(imageFs, "metadata.db"), "/host"+filepath.Join(imageFs, "metadata.db"))+
		mount("/etc/os-release", "/host/etc/os-release")+`linux:
  security_context:
    run_as_user: {value: 0}
    readonly_rootfs: true
    no_new_privs: true
    capabilities: {drop_capabilities: [ALL]}
log_path: diagnose.log
`)
	r = ctr(t, "cri", "run", "--pull", "never", cfg, podFile(t, "ctr-cri-diagnose"))
	id := oneID(t, "run", r.Stdout)
	waitExited(t, id)

	var logs string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		logs = mustCtr(t, "cri", "logs", id)
		if strings.HasSuffix(logs, "}\n") || time.Now().After(deadline) {
			break
		}
	}
	if strings.Count(logs, "\n") != 1 {
		t.Fatalf("the pod's log is not one NDJSON line:\n%s", logs)
	}
	var rep fleetReport
	if err := json.Unmarshal([]byte(logs), &rep); err != nil {
		t.Fatalf("the pod's log is not a report: %v\n%s", err, logs)
	}
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		t.Fatal(err)
	}
	kernel := strings.TrimRight(string(func() []byte {
		b := make([]byte, len(u.Release))
		for i, c := range u.Release {
			b[i] = byte(c)
		}
		return b
	}()), "\x00")
	if rep.APIVersion != "ctrcri.diagnose/v1" || rep.Kind != "NodeDiagnosis" || rep.Endpoint != "unix://"+sock ||
		rep.Node.Name != "devnode-e2e" || rep.Node.NameFrom != "env" || rep.Node.Kernel != kernel || rep.Node.OS == "" {
		t.Errorf("report from the pod: %+v", rep)
	}
	if rep.Versions != direct.Versions || rep.Versions.Containerd == "" || rep.Versions.Runc == "" {
		t.Errorf("the pod saw versions %+v, the node %+v", rep.Versions, direct.Versions)
	}
	for _, c := range rep.Conditions {
		if c.Type == "RuntimeReady" && !c.Status {
			t.Errorf("the pod found the runtime not ready")
		}
	}
	if len(rep.ImageFilesystems) == 0 || rep.ImageFilesystems[0].CapacityBytes == 0 {
		t.Errorf("image filesystem capacity not read through the read-only mount: %+v", rep.ImageFilesystems)
	}

	// And back: what kubectl logs --prefix would hand to merge.
	m := ctrStdin(t, "[pod/ctr-cri-diagnose-e2e/diagnose] "+logs, "cri", "diagnose", "merge", "-o", "json", "-")
	var v struct {
		Summary struct{ Nodes, Errors int }
		Nodes   []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(m.Stdout), &v); err != nil || v.Summary.Nodes != 1 || v.Summary.Errors != 0 || v.Nodes[0].Name != "devnode-e2e" {
		t.Errorf("merge of the pod's log: exit %d %+v %v\n%s", m.Code, v, err, m.Stderr)
	}
	if want := 0; !rep.Healthy {
		want = 1
		if m.Code != want {
			t.Errorf("merge of an unhealthy node exited %d", m.Code)
		}
	} else if m.Code != want {
		t.Errorf("merge of a healthy node exited %d: %s", m.Code, m.Stderr)
	}
}
