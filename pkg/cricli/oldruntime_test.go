package cricli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// node17 is the node of node() answering as containerd 1.7, with its CRI
// config in the verbose status and its containerd (Mirror) beside it.
func node17(t *testing.T) *runtimetest.Server {
	t.Helper()
	s := runtimetest.NewMode(t, runtimetest.Containerd17)
	s.SetPods(
		runtimetest.Pod{ID: podA, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(2 * time.Hour)},
	)
	s.SetContainers(
		runtimetest.Container{ID: ctrW, Name: "nginx", PodID: podA, Image: "docker.io/library/busybox:latest", ImageRef: imgB, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(90 * time.Minute)},
	)
	s.SetImages(&runtimeapi.Image{Id: imgP, RepoTags: []string{"registry.k8s.io/pause:3.10"}, Size: 320_000, Pinned: true})
	s.SetStatusInfo(map[string]string{"config": `{"containerdNamespace":"k8s.io","sandboxImage":"registry.k8s.io/pause:3.10",` +
		`"containerd":{"snapshotter":"overlayfs","defaultRuntimeName":"runc","runtimes":{"runc":{"runtimeType":"io.containerd.runc.v2"}}}}`})
	withContainerd(t, ctrdtest.Mirror(s))
	return s
}

// TestOldRuntimeRPCsSayWhichReleaseServesThem: each RPC containerd 1.7
// lacks fails in one line naming the release that serves it, in both
// personalities, exit 1.
func TestOldRuntimeRPCsSayWhichReleaseServesThem(t *testing.T) {
	s := node17(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"runtime-config"}, "runtime config: the runtime does not implement RuntimeConfig (containerd serves it from 2.0)"},
		{[]string{"metricsp"}, "list pod metrics: the runtime does not implement ListPodSandboxMetrics (containerd serves it from 2.2)"},
		{[]string{"metricdescs"}, "list metric descriptors: the runtime does not implement ListMetricDescriptors (containerd serves it from 2.2)"},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, c.args...)...).fails(t, 1, c.want)
		if strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "unknown method") {
			t.Errorf("%s: want one clean line, got %q", c.args[0], r.stderr)
		}
	}
}

// TestOldRuntimeDocuments: what 1.7 does not set reads as crictl prints it
// (.status.user null), and the containerd views work without the sandbox
// records 1.7's CRI never makes.
func TestOldRuntimeDocuments(t *testing.T) {
	s := node17(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "-o", "json", "nginx").ok(t)
	var doc struct{ Status map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if u, ok := doc.Status["user"]; !ok || string(u) != "null" {
		t.Errorf(".status.user = %q (present %v), crictl prints null", u, ok)
	}
	r = ctr(t, s.Endpoint, "cri", "inspectp", "--containerd", "-o", "json", "shop/web").ok(t)
	if strings.Contains(r.stdout, "sandboxer") || !strings.Contains(r.stdout, `"containerd"`) {
		t.Errorf("inspectp --containerd on 1.7:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "orphans").ok(t)
	if strings.Contains(r.stdout, podA[:13]) || strings.Contains(r.stdout, ctrW[:13]) {
		t.Errorf("orphans on 1.7 reports CRI's own objects:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "diagnose").ok(t)
	if n := strings.Count(r.stdout+r.stderr, "not available before containerd 2.0"); n != 1 || strings.Contains(r.stdout+r.stderr, "runtime info: runtime info") {
		t.Errorf("diagnose on 1.7 says it %d times:\n%s%s", n, r.stdout, r.stderr)
	}
}
