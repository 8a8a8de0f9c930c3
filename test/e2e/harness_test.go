package e2e

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// testNode returns the package's dev node, or skips the test when there is
// none (TestMain already failed the run if one was required).
func testNode(t *testing.T) *devnode.Node {
	t.Helper()
	if node == nil {
		t.Skipf("no dev node: %s", skipWhy)
	}
	return node
}

// ctr runs `ctr --address <node socket> args...` as an operator would and
// returns what happened; a non-zero exit is not a failure by itself. Root
// flags (-n, --timeout) go before `cri`. The environment is the test's minus
// anything that would point ctr elsewhere.
func ctr(t *testing.T, args ...string) devnode.Result {
	t.Helper()
	return ctrStdin(t, "", args...)
}

// ctrStdin is ctr with stdin fed from a string.
func ctrStdin(t *testing.T, stdin string, args ...string) devnode.Result {
	t.Helper()
	return devnode.Runner{Bin: ctrBin, Args: []string{"--address", testNode(t).Socket}}.Run(t, stdin, args...)
}

// mustCtr runs ctr and fails the test unless it exits 0; it returns stdout.
func mustCtr(t *testing.T, args ...string) string {
	t.Helper()
	r := ctr(t, args...)
	if r.Code != 0 {
		t.Fatalf("ctr %s: exit %d\nstderr: %s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	return r.Stdout
}

// runtimeClient and imageClient talk CRI to the node directly, for setup
// and for checking what a ctr command did.
func runtimeClient(t *testing.T) runtimeapi.RuntimeServiceClient {
	t.Helper()
	rt, err := testNode(t).RuntimeClient()
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func imageClient(t *testing.T) runtimeapi.ImageServiceClient {
	t.Helper()
	ic, err := testNode(t).ImageClient()
	if err != nil {
		t.Fatal(err)
	}
	return ic
}

// runPod runs a pod named name in namespace "e2e" through CRI (own network
// namespace, a cgroup parent so pod stats work, logs under the node dir) and
// removes it when the test ends. Names must be unique among running pods:
// use the test's name. edit, if given, adjusts the config first.
func runPod(t *testing.T, name string, edit ...func(*runtimeapi.PodSandboxConfig)) (string, *runtimeapi.PodSandboxConfig) {
	t.Helper()
	n := testNode(t)
	cfg := n.PodConfig(name, "e2e")
	for _, e := range edit {
		e(cfg)
	}
	ctx, cancel := context.WithTimeout(t.Context(), devnode.RunTimeout)
	defer cancel()
	id, err := n.RunPod(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removePod(t, id) })
	return id, cfg
}

// removePod stops and removes a pod; one already gone is fine.
func removePod(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), devnode.RunTimeout)
	defer cancel()
	rt := runtimeClient(t)
	if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil && status.Code(err) != codes.NotFound {
		t.Errorf("stop pod %s: %v", id, err)
	}
	if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil && status.Code(err) != codes.NotFound {
		t.Errorf("remove pod %s: %v", id, err)
	}
}

// runContainer creates and starts a busybox container named name running
// command in the pod, and returns its ID; it goes away with the pod.
func runContainer(t *testing.T, podID string, podCfg *runtimeapi.PodSandboxConfig, name string, command ...string) string {
	t.Helper()
	return startContainer(t, podID, podCfg, devnode.ContainerConfig(name, devnode.BusyboxImage, command...))
}

// startContainer creates and starts a container from cfg in the pod.
func startContainer(t *testing.T, podID string, podCfg *runtimeapi.PodSandboxConfig, cfg *runtimeapi.ContainerConfig) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), devnode.RunTimeout)
	defer cancel()
	id, err := testNode(t).RunContainer(ctx, podID, podCfg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
