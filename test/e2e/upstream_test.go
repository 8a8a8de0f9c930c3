package e2e

import (
	"context"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// The upstream ctr commands work against the dev node: the binary reaches
// the server, and the node has its test images.
func TestUpstreamVersionShowsServer(t *testing.T) {
	v, err := runtimeClient(t).Version(t.Context(), &runtimeapi.VersionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := mustCtr(t, "version")
	_, server, ok := strings.Cut(out, "Server:")
	if !ok || !strings.Contains(server, "Version:  "+v.RuntimeVersion+"\n") {
		t.Errorf("ctr version does not show the server's version %s:\n%s", v.RuntimeVersion, out)
	}
}

func TestUpstreamImagesListTestImages(t *testing.T) {
	out := mustCtr(t, "-n", "k8s.io", "images", "ls", "-q")
	for _, ref := range []string{devnode.PauseImage, devnode.BusyboxImage} {
		if !strings.Contains(out, ref+"\n") {
			t.Errorf("ctr -n k8s.io images ls -q lacks %s:\n%s", ref, out)
		}
	}
}

// The harness's own CRI helpers: a pod and a container they make run, show
// up in upstream ctr, and the pod has stats (it needs a cgroup parent).
func TestHarnessRunsPodAndContainer(t *testing.T) {
	podID, podCfg := runPod(t, "harness")
	ctrID := runContainer(t, podID, podCfg, "sleeper", "sleep", "3600")

	out := mustCtr(t, "-n", "k8s.io", "containers", "ls", "-q")
	for _, id := range []string{podID, ctrID} {
		if !strings.Contains(out, id) {
			t.Errorf("containers ls lacks %s", id)
		}
	}
	tasks := mustCtr(t, "-n", "k8s.io", "tasks", "ls")
	if !strings.Contains(tasks, ctrID) || !strings.Contains(tasks, "RUNNING") {
		t.Errorf("task of %s not running:\n%s", ctrID, tasks)
	}

	rt := runtimeClient(t)
	ctx := context.Background()
	st, err := rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: podID})
	if err != nil {
		t.Fatal(err)
	}
	if ip := st.GetStatus().GetNetwork().GetIp(); !strings.HasPrefix(ip, strings.TrimSuffix(testNode(t).Subnet, "0/24")) {
		t.Errorf("pod IP %q is not in the node subnet %s", ip, testNode(t).Subnet)
	}
	stats, err := rt.PodSandboxStats(ctx, &runtimeapi.PodSandboxStatsRequest{PodSandboxId: podID})
	if err != nil {
		t.Fatalf("pod stats: %v", err)
	}
	if stats.GetStats().GetLinux().GetCpu() == nil {
		t.Errorf("pod stats without CPU: %v", stats)
	}
}
