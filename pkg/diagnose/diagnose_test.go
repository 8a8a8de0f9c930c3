package diagnose_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	apitest "k8s.io/cri-api/pkg/apis/testing"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

var conditionsOK = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
	{Type: runtimeapi.RuntimeReady, Status: true}, {Type: runtimeapi.NetworkReady, Status: true},
}}

// healthyNode is a fake node with nothing wrong: ready conditions, the
// pause image pinned, a running container with its log file, containerd
// in step with CRI.
func healthyNode(t *testing.T) (*runtimetest.Server, *ctrdtest.Containerd, string) {
	t.Helper()
	logs := t.TempDir()
	s := runtimetest.New(t)
	s.RuntimeService.FakeStatus = conditionsOK
	s.ImageService.FakeFilesystemUsage = []*runtimeapi.FilesystemUsage{{
		FsId:      &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"},
		UsedBytes: &runtimeapi.UInt64Value{Value: 3_000_000}, InodesUsed: &runtimeapi.UInt64Value{Value: 42},
	}}
	s.SetImages(&runtimeapi.Image{Id: "sha256:pause", RepoTags: []string{"registry.k8s.io/pause:3.10"}, Pinned: true})
	s.SetPods(runtimetest.Pod{ID: podReady, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY})
	log := filepath.Join(logs, "nginx.log")
	writeFile(t, log, "2026-01-01T00:00:00Z stdout F started\n")
	s.SetContainers(runtimetest.Container{ID: ctrRun, Name: "nginx", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_RUNNING, LogPath: log})
	return s, ctrdtest.Mirror(s), logs
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func diagnoseNode(t *testing.T, s *runtimetest.Server, cd ctrd.Containerd) *diagnose.Report {
	t.Helper()
	rep, err := diagnose.Run(context.Background(), s.Client(t), cd, diagnose.Options{ClientVersion: "test", Details: diagnose.DefaultDetails, Now: time.Unix(1e9, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestDiagnoseHealthyNode(t *testing.T) {
	t.Parallel()
	s, cd, _ := healthyNode(t)
	cd.Info = ctrd.RuntimeInfo{ShimVersion: "v2.4.2", OCIVersion: "1.4.3"}
	rep := diagnoseNode(t, s, cd)
	if !rep.Healthy || len(rep.Problems) != 0 {
		t.Fatalf("healthy node reported problems: %+v", rep.Problems)
	}
	if rep.APIVersion != "ctrcri.diagnose/v1" || rep.Versions.Containerd != "v2.4.2" || rep.Versions.Client != "test" {
		t.Errorf("header: %+v %+v", rep.APIVersion, rep.Versions)
	}
	if c := rep.Config; c.Snapshotter != "overlayfs" || c.Namespace != "k8s.io" || !c.SandboxImage.Present || c.SandboxImage.Ref != "registry.k8s.io/pause:3.10" {
		t.Errorf("config: %+v", c)
	}
	if rep.Pods.Total != 1 || rep.Pods.Ready != 1 || rep.Containers.Total != 1 || rep.Containers.Running != 1 {
		t.Errorf("counts: pods %+v containers %+v", rep.Pods, rep.Containers)
	}
}

func TestDiagnoseFindsAContainerThatExitedNonZeroWithItsLastLogLines(t *testing.T) {
	t.Parallel()
	s, _, logs := healthyNode(t)
	log := filepath.Join(logs, "job.log")
	var b strings.Builder
	for i := range 8 {
		fmt.Fprintf(&b, "2026-01-01T00:00:0%dZ stderr F line %d\n", i, i)
	}
	b.WriteString("2026-01-01T00:00:09Z stderr P fatal: \n2026-01-01T00:00:09Z stderr F disk full\n")
	writeFile(t, log, b.String())
	s.SetContainers(
		runtimetest.Container{ID: ctrRun, Name: "nginx", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_RUNNING, LogPath: filepath.Join(logs, "nginx.log")},
		runtimetest.Container{ID: ctrDone, Name: "job", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_EXITED, LogPath: log, ExitCode: 3, Reason: "Error"},
	)
	rep := diagnoseNode(t, s, ctrdtest.Mirror(s))
	if rep.Healthy {
		t.Fatal("a container that exited 3 left the node healthy")
	}
	if len(rep.Containers.Problems) != 1 {
		t.Fatalf("container problems: %+v", rep.Containers.Problems)
	}
	p := rep.Containers.Problems[0]
	if p.ID != ctrDone || p.ExitCode == nil || *p.ExitCode != 3 || p.Reason != "Error" || p.Pod != "web" || p.PodNamespace != "shop" {
		t.Errorf("problem: %+v", p)
	}
	if want := []string{"line 4", "line 5", "line 6", "line 7", "fatal: disk full"}; !reflect.DeepEqual(p.LogTail, want) {
		t.Errorf("log tail %q, want %q", p.LogTail, want)
	}
	want := diagnose.Problem{Severity: "error", Check: "container", Object: "shop/web/job", Message: "exited with code 3 (Error)"}
	if !reflect.DeepEqual(rep.Problems, []diagnose.Problem{want}) {
		t.Errorf("problems %+v", rep.Problems)
	}
}

func TestDiagnoseClassifiesProblems(t *testing.T) {
	t.Parallel()
	s, _, logs := healthyNode(t)
	s.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		{Type: runtimeapi.NetworkReady, Status: false, Reason: "NetworkPluginNotReady", Message: "cni plugin not initialized"},
	}}
	s.SetImages() // no pause image
	uid := "uid-web"
	sandbox := func(id string, attempt uint32, st runtimeapi.PodSandboxState, name string) *apitest.FakePodSandbox {
		return &apitest.FakePodSandbox{PodSandboxStatus: runtimeapi.PodSandboxStatus{Id: id, State: st,
			Metadata: &runtimeapi.PodSandboxMetadata{Name: name, Namespace: "shop", Uid: uid + name, Attempt: attempt}}}
	}
	s.RuntimeService.SetFakeSandboxes([]*apitest.FakePodSandbox{
		sandbox(podReady, 1, runtimeapi.PodSandboxState_SANDBOX_READY, "web"),
		sandbox("replaced", 0, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, "web"), // kubelet's leftover
		sandbox(podDown, 0, runtimeapi.PodSandboxState_SANDBOX_NOTREADY, "db"),
	})
	crashed := filepath.Join(logs, "crashed.log")
	writeFile(t, crashed, "2026-01-01T00:00:00Z stderr F out of memory\n")
	s.SetContainers(
		// restarting: attempt 2 runs, attempt 1 was OOM-killed
		runtimetest.Container{ID: "app-2", Name: "app", PodID: podReady, Attempt: 2, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: 20, LogPath: filepath.Join(logs, "nginx.log")},
		runtimetest.Container{ID: "app-1", Name: "app", PodID: podReady, Attempt: 1, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: 10, ExitCode: 137, Reason: "OOMKilled", LogPath: crashed},
		// completed: exit 0 is fine
		runtimetest.Container{ID: "init", Name: "init", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: 5, LogPath: crashed},
		// running, but its log file is gone
		runtimetest.Container{ID: "nolog", Name: "sidecar", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: 4, LogPath: filepath.Join(logs, "gone.log")},
	)
	rep := diagnoseNode(t, s, ctrdtest.Mirror(s))
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.Severity+" "+p.Check+" "+p.Object+": "+p.Message)
	}
	want := []string{
		"error network : NetworkReady is false: NetworkPluginNotReady: cni plugin not initialized",
		"warning config : no pinned sandbox (pause) image on the node: the first pod pulls it",
		"warning pod shop/db: pod is not ready",
		"warning container shop/web/app: restarted 2 times, last exit code 137 (OOMKilled)",
		"warning log sidecar: log file " + filepath.Join(logs, "gone.log") + " does not exist",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	if p := rep.Containers.Problems[0]; p.ID != "app-2" || !reflect.DeepEqual(p.LogTail, []string{"out of memory"}) {
		t.Errorf("restarting container: %+v", p)
	}
	if rep.Healthy {
		t.Error("NetworkReady=false left the node healthy")
	}
}

func TestDiagnoseRPCsAreBoundedWhateverTheNodeSize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 60} {
		s, _, _ := healthyNode(t)
		var cs []runtimetest.Container
		for i := range n {
			cs = append(cs, runtimetest.Container{ID: fmt.Sprintf("c%063d", i), Name: fmt.Sprint("c", i), PodID: podReady,
				State: runtimeapi.ContainerState_CONTAINER_EXITED, ExitCode: 1, CreatedAt: int64(i)})
		}
		s.SetContainers(cs...)
		cd := ctrdtest.Mirror(s)
		s.RuntimeCalls()
		s.ImageCalls()
		rep := diagnoseNode(t, s, cd)
		rt, img, cdCalls := s.RuntimeCalls(), s.ImageCalls(), cd.Calls()
		statusCalls := 0
		for _, c := range rt {
			if c == "ContainerStatus" {
				statusCalls++
			}
		}
		if want := min(n, diagnose.DefaultDetails); statusCalls != want || len(rt)-statusCalls != 4 || len(img) != 2 || len(cdCalls) != 4 {
			t.Errorf("n=%d: CRI runtime calls %v, image calls %v, containerd calls %v; want 4 + %d ContainerStatus, 2, 4", n, rt, img, cdCalls, want)
		}
		if len(rep.Containers.Problems) > 50 {
			t.Errorf("n=%d: %d container problems listed, want at most 50", n, len(rep.Containers.Problems))
		}
	}
}

func TestDiagnoseUnreachableRuntimeIsAnError(t *testing.T) {
	t.Parallel()
	c, err := runtime.New(runtime.Options{RuntimeEndpoint: "unix://" + filepath.Join(t.TempDir(), "none.sock")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = diagnose.Run(context.Background(), c, ctrd.New(c, ""), diagnose.Options{})
	if runtime.KindOf(err) != runtime.KindUnreachable {
		t.Fatalf("got %v (kind %v), want an unreachable error", err, runtime.KindOf(err))
	}
}

func TestDiagnoseWithoutContainerdAPIStillReports(t *testing.T) {
	t.Parallel()
	s, _, _ := healthyNode(t)
	c := s.Client(t)
	// The real containerd client against the fake CRI server: containerd's
	// services are not there, as on CRI-O.
	rep, err := diagnose.Run(context.Background(), c, ctrd.New(c, ""), diagnose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Healthy || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Message, "containerd's API is not served") {
		t.Errorf("problems %+v", rep.Problems)
	}
	if _, err := ctrd.Orphans(context.Background(), c, ctrd.New(c, "")); !errors.Is(err, ctrd.ErrNoContainerd) {
		t.Errorf("orphans without containerd: %v", err)
	}
}

func TestDiagnoseWithAFailedCRIListReportsNoFalseOrphans(t *testing.T) {
	t.Parallel()
	s, cd, _ := healthyNode(t)
	s.RuntimeService.InjectError("ListContainers", errors.New("boom"))
	rep := diagnoseNode(t, s, cd)
	if rep.Healthy || len(rep.Orphans) != 0 {
		t.Errorf("healthy %v, orphans %+v; want unhealthy and no orphans", rep.Healthy, rep.Orphans)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Check != "cri" || !strings.Contains(rep.Problems[0].Message, "boom") {
		t.Errorf("problems %+v", rep.Problems)
	}
}
