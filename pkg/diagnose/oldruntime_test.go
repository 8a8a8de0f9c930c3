package diagnose_test

import (
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// TestDiagnoseOnContainerd17SaysOnceWhatIsMissing: 1.7 answers PluginInfo
// NotImplemented, so the shim and runc versions are unknown; the report
// says so in one line naming the release that serves them, and
// nothing else differs from a healthy node.
func TestDiagnoseOnContainerd17SaysOnceWhatIsMissing(t *testing.T) {
	t.Parallel()
	s := runtimetest.NewMode(t, runtimetest.Containerd17)
	s.RuntimeService.FakeStatus = conditionsOK
	// containerd 1.7's CRI config, as its verbose Status gives it.
	s.SetStatusInfo(map[string]string{"config": `{"containerdNamespace":"k8s.io","sandboxImage":"registry.k8s.io/pause:3.10",` +
		`"containerd":{"snapshotter":"overlayfs","defaultRuntimeName":"runc","runtimes":{"runc":{"runtimeType":"io.containerd.runc.v2"}}}}`})
	s.SetImages(&runtimeapi.Image{Id: "sha256:pause", RepoTags: []string{"registry.k8s.io/pause:3.10"}, Pinned: true})
	s.SetPods(runtimetest.Pod{ID: podReady, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY})
	rep := diagnoseNode(t, s, ctrdtest.Mirror(s))

	if len(rep.Problems) != 1 {
		t.Fatalf("problems: %+v, want the one about runtime info", rep.Problems)
	}
	p := rep.Problems[0]
	if p.Check != "runtime" || p.Message != "runtime info: not available before containerd 2.0" {
		t.Errorf("problem %+v", p)
	}
	if n := strings.Count(p.Message, "runtime info"); n != 1 {
		t.Errorf("%q says runtime info %d times", p.Message, n)
	}
	if rep.Versions.Containerd != "v1.7.35" || rep.Versions.Shim != "" || rep.Versions.Runc != "" {
		t.Errorf("versions %+v", rep.Versions)
	}
}
