package ctrd_test

import (
	"context"
	"reflect"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

const (
	podReady = "pod-ready-0000000000000000000000000000000000000000000000000000000"
	podDown  = "pod-down-00000000000000000000000000000000000000000000000000000000"
	ctrRun   = "ctr-run-000000000000000000000000000000000000000000000000000000000"
	ctrDone  = "ctr-done-00000000000000000000000000000000000000000000000000000000"
)

func fakeNode(t *testing.T) *runtimetest.Server {
	s := runtimetest.New(t)
	s.SetPods(
		runtimetest.Pod{ID: podReady, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: 2},
		runtimetest.Pod{ID: podDown, Name: "old", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: 1},
	)
	s.SetContainers(
		runtimetest.Container{ID: ctrRun, Name: "nginx", PodID: podReady, Image: "busybox", State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: 3},
		runtimetest.Container{ID: ctrDone, Name: "init", PodID: podReady, Image: "busybox", State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: 2},
	)
	return s
}

func TestOrphansOfAConsistentNodeIsEmpty(t *testing.T) {
	t.Parallel()
	s := fakeNode(t)
	rep, err := ctrd.Orphans(context.Background(), s.Client(t), ctrdtest.Mirror(s))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 0 || rep.Namespace != "k8s.io" {
		t.Fatalf("a node where containerd mirrors CRI has orphans: %+v", rep)
	}
}

func TestOrphansFindsBothSides(t *testing.T) {
	t.Parallel()
	s := fakeNode(t)
	cd := ctrdtest.Mirror(s)
	// containerd: a container ctr made by hand, one CRI forgot, a stray
	// sandbox record; CRI: the running container's task is gone, and the
	// ready pod's pause task has stopped.
	cd.Records = append(cd.Records,
		ctrd.Container{ID: "handmade", Image: "docker.io/library/busybox:latest"},
		ctrd.Container{ID: "forgotten", CRIKind: "container"})
	cd.SandboxSet = append(cd.SandboxSet, ctrd.Sandbox{ID: "stray", Sandboxer: "podsandbox"})
	var tasks []ctrd.Task
	for _, tk := range cd.TaskList {
		switch tk.ID {
		case ctrRun:
			continue
		case podReady:
			tk.Status = "stopped"
		}
		tasks = append(tasks, tk)
	}
	cd.TaskList = append(tasks, ctrd.Task{ID: "handmade", PID: 4242, Status: "running"})
	cd.Calls()
	s.RuntimeCalls()

	rep, err := ctrd.Orphans(context.Background(), s.Client(t), cd)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind, id string
		severe   bool
	}
	var got []row
	for _, o := range rep.Orphans {
		got = append(got, row{o.Kind, o.ID, o.Severe})
	}
	want := []row{
		{ctrd.OrphanCtrdContainer, "forgotten", false},
		{ctrd.OrphanCtrdContainer, "handmade", false},
		{ctrd.OrphanCtrdSandbox, "stray", false},
		{ctrd.OrphanCRIContainer, ctrRun, true},
		{ctrd.OrphanCRIPod, podReady, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("orphans\n got %v\nwant %v", got, want)
	}
	if o := rep.Orphans[1]; o.Task == nil || o.Task.PID != 4242 || o.Problem != "not made by CRI (no io.cri-containerd.kind label); its task is running" {
		t.Errorf("hand-made container: %+v", o)
	}
	if o := rep.Orphans[3]; o.Name != "shop/web/nginx" || o.Problem != "running per CRI, but containerd has no task" {
		t.Errorf("CRI container without task: %+v", o)
	}
	if calls := cd.Calls(); !reflect.DeepEqual(calls, []string{"Containers", "Tasks", "Sandboxes"}) {
		t.Errorf("containerd calls %v", calls)
	}
	if calls := s.RuntimeCalls(); !reflect.DeepEqual(calls, []string{"ListContainers", "ListPodSandbox"}) {
		t.Errorf("CRI calls %v", calls)
	}
}

func TestOrphansIgnoresPodsOfOtherSandboxers(t *testing.T) {
	t.Parallel()
	s := fakeNode(t)
	cd := ctrdtest.Mirror(s)
	// The shim sandboxer runs no pause container: no containerd container
	// or task for the pod is expected.
	var recs []ctrd.Container
	for _, r := range cd.Records {
		if r.ID != podReady {
			recs = append(recs, r)
		}
	}
	cd.Records = recs
	for i := range cd.SandboxSet {
		cd.SandboxSet[i].Sandboxer = "shim"
	}
	rep, err := ctrd.Orphans(context.Background(), s.Client(t), cd)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 0 {
		t.Errorf("shim-sandboxer pod reported: %+v", rep.Orphans)
	}
}

func TestViewsUsesThreeCallsForAnyNumberOfObjects(t *testing.T) {
	t.Parallel()
	s := fakeNode(t)
	cd := ctrdtest.Mirror(s)
	cd.Calls()
	views, err := ctrd.Views(context.Background(), cd, []string{ctrRun, ctrDone, podReady, "unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if calls := cd.Calls(); len(calls) != 3 {
		t.Errorf("containerd calls %v, want 3", calls)
	}
	v := views[ctrRun]
	if v.Container != ctrRun || v.Task == nil || v.Task.Status != "running" || v.Sandboxer != "podsandbox" ||
		v.SandboxID != podReady || v.Snapshotter != "overlayfs" || v.Runtime != "io.containerd.runc.v2" {
		t.Errorf("running container view: %+v", v)
	}
	if v := views[ctrDone]; v.Task != nil {
		t.Errorf("exited container has a task: %+v", v.Task)
	}
	if v := views["unknown"]; v.Container != "" || v.Task != nil || v.Namespace != "k8s.io" {
		t.Errorf("unknown ID view: %+v", v)
	}
}
