package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// An operator looks at a node with one pod running: every read-only command,
// against the real containerd.
func TestOperatorReadsTheNode(t *testing.T) {
	podID, podCfg := runPod(t, "reader")
	ctrID := runContainer(t, podID, podCfg, "sleeper", "sleep", "3600")

	out := mustCtr(t, "cri", "version")
	for _, want := range []string{"RuntimeName:  containerd", "RuntimeApiVersion:  v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("version lacks %q:\n%s", want, out)
		}
	}

	out = mustCtr(t, "cri", "info", "-o", "go-template={{range .status.conditions}}{{.type}}={{.status}} {{end}}")
	if !strings.Contains(out, "RuntimeReady=true") || !strings.Contains(out, "NetworkReady=true") {
		t.Errorf("info conditions: %q", out)
	}

	// ps shows the pod's real name and namespace, joined from the sandbox list.
	r := ctr(t, "cri", "ps")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("ps: exit %d, stderr %q", r.Code, r.Stderr)
	}
	var row string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if strings.HasPrefix(l, ctrID[:13]) {
			row = l
		}
	}
	f := strings.Fields(row)
	if len(f) < 9 || f[len(f)-1] != "e2e" || f[len(f)-2] != "reader" || !strings.Contains(row, "Running") || !strings.Contains(row, "sleeper") {
		t.Errorf("ps row for the container: %q\n%s", row, r.Stdout)
	}

	// ps costs two RPCs, whatever is running.
	r = ctr(t, "cri", "--debug", "ps", "-a")
	if n := strings.Count(r.Stderr, "DEBUG: /runtime.v1."); n != 2 {
		t.Errorf("ps made %d RPCs:\n%s", n, r.Stderr)
	}

	if got := strings.TrimSpace(mustCtr(t, "cri", "pods", "--name", "^reader$", "-q")); got != podID {
		t.Errorf("pods -q = %q, want %s", got, podID)
	}
	if got := strings.TrimSpace(mustCtr(t, "cri", "ps", "--pod", podID[:8], "-q")); got != ctrID {
		t.Errorf("ps --pod prefix -q = %q", got)
	}

	// inspect by name, inspectp by namespace/name, inspecti by familiar ref.
	// crictl's shape: containerd's info at .info (.info.pid), RFC 3339 times.
	var st struct {
		Status struct {
			ID, State, LogPath, CreatedAt, FinishedAt string
		}
		Info struct {
			Pid       int
			SandboxID string
		}
	}
	if err := json.Unmarshal([]byte(mustCtr(t, "cri", "inspect", "sleeper")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status.ID != ctrID || st.Status.State != "CONTAINER_RUNNING" || st.Info.SandboxID != podID || st.Info.Pid <= 0 {
		t.Errorf("inspect sleeper: %+v", st)
	}
	if _, err := time.Parse(time.RFC3339Nano, st.Status.CreatedAt); err != nil || st.Status.FinishedAt != "0001-01-01T00:00:00Z" {
		t.Errorf("inspect times: createdAt %q (%v), finishedAt %q", st.Status.CreatedAt, err, st.Status.FinishedAt)
	}
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.Info.Pid)); err != nil || !bytes.HasPrefix(cmdline, []byte("sleep")) {
		t.Errorf(".info.pid %d is not the container's sleep: %q, %v", st.Info.Pid, cmdline, err)
	}
	if out := mustCtr(t, "cri", "inspect", "-o", "go-template={{.info.pid}}", "sleeper"); out != fmt.Sprintf("%d\n", st.Info.Pid) {
		t.Errorf("{{.info.pid}} = %q", out)
	}
	if out := mustCtr(t, "cri", "inspectp", "-o", "go-template={{.info.pid}}", "e2e/reader"); strings.TrimSpace(out) == "" || out == "0\n" {
		t.Errorf("inspectp {{.info.pid}} = %q", out)
	}
	out = mustCtr(t, "cri", "inspectp", "-o", "go-template={{.status.id}} {{.status.state}}", "e2e/reader")
	if out != podID+" SANDBOX_READY\n" {
		t.Errorf("inspectp e2e/reader: %q", out)
	}
	out = mustCtr(t, "cri", "inspecti", "-o", "go-template={{index .status.repoTags 0}}", devnode.BusyboxImage)
	if strings.TrimSpace(out) != devnode.BusyboxImage {
		t.Errorf("inspecti: %q", out)
	}

	out = mustCtr(t, "cri", "images")
	for _, want := range []string{"localhost/ctrcri/busybox", "localhost/ctrcri/pause"} {
		if !strings.Contains(out, want) {
			t.Errorf("images lacks %s:\n%s", want, out)
		}
	}
	if out := mustCtr(t, "cri", "images", "-q", "localhost/ctrcri/pause"); strings.Count(out, "sha256:") != 1 {
		t.Errorf("images REPO filter: %q", out)
	}

	var fs struct {
		Status struct {
			ImageFilesystems []struct{ UsedBytes struct{ Value string } } `json:"imageFilesystems"`
		}
	}
	if err := json.Unmarshal([]byte(mustCtr(t, "cri", "imagefsinfo")), &fs); err != nil || len(fs.Status.ImageFilesystems) == 0 {
		t.Errorf("imagefsinfo: %v %+v", err, fs)
	}
	if out := mustCtr(t, "cri", "runtime-config"); out != "cgroup driver:   CGROUPFS\n" && out != "cgroup driver:   SYSTEMD\n" {
		t.Errorf("runtime-config: %q", out)
	}
}

func TestOperatorMistakes(t *testing.T) {
	testNode(t)
	r := ctr(t, "cri", "inspect", "no-such-container")
	if r.Code != 1 || r.Stderr != "ctr: container \"no-such-container\": not found\n" {
		t.Errorf("unknown container: exit %d %q", r.Code, r.Stderr)
	}
	r = ctr(t, "cri", "ps", "-o", "xml")
	if r.Code != 2 || !strings.HasPrefix(r.Stderr, "ctr: unknown output format \"xml\"") {
		t.Errorf("bad -o: exit %d %q", r.Code, r.Stderr)
	}
	// A wrong socket is exit 3 and names it.
	cmd := exec.Command(ctrBin, "--address", "/run/ctrcri-no-such.sock", "cri", "ps")
	cmd.Env = devnode.CleanEnv()
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "/run/ctrcri-no-such.sock does not exist") {
		t.Errorf("dead socket: %v %s", err, out)
	}
}

// Installed as crictl (a symlink), the binary is `ctr cri` with crictl's
// global flags.
func TestCrictlSymlink(t *testing.T) {
	n := testNode(t)
	podID, podCfg := runPod(t, "crictl-sym")
	runContainer(t, podID, podCfg, "c", "sleep", "3600")
	link := filepath.Join(t.TempDir(), "crictl")
	if err := os.Symlink(ctrBin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "--runtime-endpoint", "unix://"+n.Socket, "--timeout", "5s", "pods", "--name", "crictl-sym", "-q")
	cmd.Env = devnode.CleanEnv()
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != podID {
		t.Errorf("crictl pods: %v %q", err, out)
	}
}
