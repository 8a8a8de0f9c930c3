package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// exitedJob creates attempt `attempt` of container name in the pod as
// kubelet does after a crash (same name, next attempt, its own log file),
// and waits until it has exited.
func exitedJob(t *testing.T, podID string, podCfg *runtimeapi.PodSandboxConfig, name string, attempt uint32) string {
	t.Helper()
	cfg := devnode.ContainerConfig(name, devnode.BusyboxImage, "sh", "-c", fmt.Sprintf("echo attempt %d; exit 3", attempt))
	cfg.Metadata.Attempt = attempt
	cfg.LogPath = fmt.Sprintf("%s/%d.log", name, attempt)
	id := startContainer(t, podID, podCfg, cfg)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := mustCtr(t, "cri", "inspect", "-o", "go-template={{.status.state}}", id)
		if st == "CONTAINER_EXITED\n" {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempt %d of %s did not exit: %q", attempt, name, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// An operator debugs a crash-looping job by its name (finding #2): no
// attempt is running, the name means the newest attempt, --previous the one
// before; the same name in another pod is another container.
func TestOperatorReadsACrashLoopByName(t *testing.T) {
	podID, podCfg := runPod(t, "crashy")
	first := exitedJob(t, podID, podCfg, "job", 0)
	second := exitedJob(t, podID, podCfg, "job", 1)

	if out := mustCtr(t, "cri", "logs", "job"); out != "attempt 1\n" {
		t.Errorf("logs job = %q, want the newest attempt", out)
	}
	if out := mustCtr(t, "cri", "logs", "--previous", "job"); out != "attempt 0\n" {
		t.Errorf("logs --previous job = %q, want attempt 0", out)
	}
	if out := mustCtr(t, "cri", "logs", "-p", second[:12]); out != "attempt 0\n" {
		t.Errorf("logs -p ID = %q, want attempt 0 (crictl's meaning)", out)
	}
	if out := mustCtr(t, "cri", "inspect", "-o", "go-template={{.status.id}}", "job"); out != second+"\n" {
		t.Errorf("inspect job = %q, want %s", out, second)
	}
	// --pod takes the pod's name, and namespace/name.
	for _, pod := range []string{"crashy", "e2e/crashy", podID[:10]} {
		out := mustCtr(t, "cri", "ps", "-a", "-q", "--no-trunc", "--pod", pod)
		if got := strings.Fields(out); len(got) != 2 || !strings.Contains(out, first) || !strings.Contains(out, second) {
			t.Errorf("ps -a --pod %s = %q", pod, out)
		}
	}
	if out := mustCtr(t, "cri", "ps", "-a", "-q", "--pod", "crashy", "--label", "io.kubernetes.container.name!=job"); out != "" {
		t.Errorf("ps --label name!=job = %q, want nothing", out)
	}

	// Same pod name and container name in another namespace.
	otherID, otherCfg := runPod(t, "crashy", func(c *runtimeapi.PodSandboxConfig) { c.Metadata.Namespace = "e2e-other" })
	other := exitedJob(t, otherID, otherCfg, "job", 0)
	r := ctr(t, "cri", "logs", "job")
	want := fmt.Sprintf(`ctr: container "job": ambiguous, matches %s (job attempt 1 in pod e2e/crashy), %s (job attempt 0 in pod e2e/crashy), %s (job attempt 0 in pod e2e-other/crashy)`,
		second[:13], first[:13], other[:13])
	if r.Code != 1 || strings.TrimSpace(r.Stderr) != want {
		t.Errorf("logs job in two pods: exit %d, stderr %q; want 1 and %q", r.Code, r.Stderr, want)
	}
	r = ctr(t, "cri", "ps", "-a", "--pod", "crashy")
	if r.Code != 1 || !strings.Contains(r.Stderr, `pod "crashy": ambiguous, matches`) || !strings.Contains(r.Stderr, "e2e-other/crashy ("+otherID[:13]+")") || r.Stdout != "" {
		t.Errorf("ps --pod crashy with two such pods: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if out := mustCtr(t, "cri", "ps", "-a", "-q", "--no-trunc", "--pod", "e2e-other/crashy"); out != other+"\n" {
		t.Errorf("ps --pod e2e-other/crashy = %q", out)
	}
}

// ctr's own flags under cri (finding #7, #8): -n other than k8s.io is
// refused, CONTAINERD_NAMESPACE is ignored, ctr --debug traces, and a
// global flag works after the subcommand that takes its letter (ps -r).
func TestCtrFlagsUnderCri(t *testing.T) {
	r := ctr(t, "-n", "default", "cri", "ps")
	if r.Code != 2 || !strings.Contains(r.Stderr, `containerd namespace "default" given with -n`) || r.Stdout != "" {
		t.Errorf("ctr -n default cri ps: exit %d, stderr %q", r.Code, r.Stderr)
	}
	mustCtr(t, "-n", "k8s.io", "cri", "ps")
	t.Setenv("CONTAINERD_NAMESPACE", "default")
	mustCtr(t, "cri", "ps")
	if r := ctr(t, "--debug", "cri", "pods"); r.Code != 0 || !strings.Contains(r.Stderr, "DEBUG: /runtime.v1.RuntimeService/ListPodSandbox") {
		t.Errorf("ctr --debug cri pods: exit %d, stderr %q", r.Code, r.Stderr)
	}
	n := testNode(t)
	if r := ctr(t, "cri", "ps", "-r", "--runtime-endpoint", "unix:///nonexistent.sock"); r.Code != 3 || !strings.Contains(r.Stderr, "/nonexistent.sock") {
		t.Errorf("ps --runtime-endpoint after the command: exit %d, stderr %q", r.Code, r.Stderr)
	}
	if r := ctr(t, "cri", "ps", "-q", "--runtime-endpoint", n.Socket); r.Code != 0 {
		t.Errorf("ps --runtime-endpoint SOCK: exit %d, stderr %q", r.Code, r.Stderr)
	}
}
