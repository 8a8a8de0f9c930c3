package ctrd

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Orphan kinds: containerd objects CRI does not know, and CRI objects whose
// containerd side is gone.
const (
	OrphanCtrdContainer = "containerd-container"
	OrphanCtrdTask      = "containerd-task"
	OrphanCtrdSandbox   = "containerd-sandbox"
	OrphanCRIContainer  = "cri-container"
	OrphanCRIPod        = "cri-pod"
)

// Orphan is one object found on one side only.
type Orphan struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Name is the CRI name (namespace/name for pods); empty for containerd
	// objects CRI does not know.
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
	Task  *Task  `json:"task,omitempty"`
	// Severe marks a CRI object that CRI believes alive while containerd
	// runs nothing for it; the rest is leftovers that only take space.
	Severe  bool   `json:"severe"`
	Problem string `json:"problem"`
}

// OrphanReport is the result of Orphans.
type OrphanReport struct {
	Namespace string   `json:"namespace"`
	Orphans   []Orphan `json:"orphans"`
}

// Orphans compares CRI's containers and pods with containerd's containers,
// tasks and sandboxes in the CRI namespace: two CRI list calls and three
// containerd list calls, whatever the node's size. containerd is listed
// first, so objects CRI creates meanwhile are not mistaken for orphans.
func Orphans(ctx context.Context, c *runtime.Client, cd Containerd) (*OrphanReport, error) {
	cv, err := ReadState(ctx, cd)
	if err != nil {
		return nil, err
	}
	cts, err := c.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	pods, err := c.AllPods(ctx)
	if err != nil {
		return nil, err
	}
	return &OrphanReport{Namespace: cd.Namespace(), Orphans: FindOrphans(cv, cts, pods)}, nil
}

// State is one read of containerd's side.
type State struct {
	Containers []Container
	Tasks      []Task
	Sandboxes  []Sandbox
}

// byID indexes the state for joins.
func (s *State) byID() (cts map[string]*Container, tasks map[string]Task, sbs map[string]Sandbox) {
	cts = make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		cts[s.Containers[i].ID] = &s.Containers[i]
	}
	tasks = tasksByID(s.Tasks)
	sbs = make(map[string]Sandbox, len(s.Sandboxes))
	for _, sb := range s.Sandboxes {
		sbs[sb.ID] = sb
	}
	return cts, tasks, sbs
}

func ReadState(ctx context.Context, cd Containerd) (*State, error) {
	var s State
	var err error
	if s.Containers, err = cd.Containers(ctx); err != nil {
		return nil, err
	}
	if s.Tasks, err = cd.Tasks(ctx); err != nil {
		return nil, err
	}
	if s.Sandboxes, err = cd.Sandboxes(ctx); err != nil {
		return nil, err
	}
	return &s, nil
}

// taskAlive is a task that runs a process CRI can rely on.
func taskAlive(t Task) bool {
	return t.Status == "running" || t.Status == "paused" || t.Status == "pausing"
}

func FindOrphans(cv *State, cts []*runtimeapi.Container, pods []*runtime.Pod) []Orphan {
	ctByID, taskByID, sbByID := cv.byID()
	podByID := make(map[string]*runtime.Pod, len(pods))
	for _, p := range pods {
		podByID[p.Id] = p
	}
	criKnows := make(map[string]bool, len(cts)+len(pods))
	for _, ct := range cts {
		criKnows[ct.Id] = true
	}
	for _, p := range pods {
		criKnows[p.Id] = true
	}
	task := func(id string) *Task {
		if t, ok := taskByID[id]; ok {
			return &t
		}
		return nil
	}

	var out []Orphan
	for _, ct := range cv.Containers {
		if criKnows[ct.ID] {
			continue
		}
		o := Orphan{Kind: OrphanCtrdContainer, ID: ct.ID, Image: ct.Image, Task: task(ct.ID)}
		if ct.CRIKind != "" {
			o.Problem = fmt.Sprintf("made by CRI (%s) but CRI no longer lists it", ct.CRIKind)
		} else {
			o.Problem = "not made by CRI (no " + criKindLabel + " label)"
		}
		if o.Task != nil {
			o.Problem += fmt.Sprintf("; its task is %s", o.Task.Status)
		}
		out = append(out, o)
	}
	for _, t := range cv.Tasks {
		if ctByID[t.ID] == nil && !criKnows[t.ID] {
			out = append(out, Orphan{Kind: OrphanCtrdTask, ID: t.ID, Task: task(t.ID), Problem: "task without a containerd container"})
		}
	}
	for _, s := range cv.Sandboxes {
		if !criKnows[s.ID] {
			out = append(out, Orphan{Kind: OrphanCtrdSandbox, ID: s.ID, Problem: fmt.Sprintf("sandbox record (%s) CRI does not list", cmp.Or(s.Sandboxer, "podsandbox"))})
		}
	}
	for _, ct := range cts {
		o := Orphan{Kind: OrphanCRIContainer, ID: ct.Id, Name: ct.GetMetadata().GetName(), Image: ct.GetImage().GetImage(), Task: task(ct.Id)}
		if p := podByID[ct.PodSandboxId]; p != nil {
			o.Name = p.GetMetadata().GetNamespace() + "/" + p.GetMetadata().GetName() + "/" + o.Name
		}
		running := ct.State == runtimeapi.ContainerState_CONTAINER_RUNNING
		switch {
		case ctByID[ct.Id] == nil:
			o.Problem, o.Severe = "its containerd container is gone", running
		case running && o.Task == nil:
			o.Problem, o.Severe = "running per CRI, but containerd has no task", true
		case running && !taskAlive(*o.Task):
			o.Problem, o.Severe = "running per CRI, but its task is "+o.Task.Status, true
		default:
			continue
		}
		out = append(out, o)
	}
	for _, p := range pods {
		o := Orphan{Kind: OrphanCRIPod, ID: p.Id, Name: p.GetMetadata().GetNamespace() + "/" + p.GetMetadata().GetName(), Task: task(p.Id)}
		ready := p.State == runtimeapi.PodSandboxState_SANDBOX_READY
		sb, hasRecord := sbByID[p.Id]
		// Only the podsandbox controller runs a pause container as a
		// containerd container and task; other sandboxers run none.
		if hasRecord && sb.Sandboxer != "" && sb.Sandboxer != "podsandbox" {
			continue
		}
		switch {
		case ctByID[p.Id] == nil:
			o.Problem, o.Severe = "its containerd (pause) container is gone", ready
		case ready && o.Task == nil:
			o.Problem, o.Severe = "ready per CRI, but containerd has no pause task", true
		case ready && !taskAlive(*o.Task):
			o.Problem, o.Severe = "ready per CRI, but its pause task is "+o.Task.Status, true
		default:
			continue
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Orphan) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.ID, b.ID))
	})
	return out
}
