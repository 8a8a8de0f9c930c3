// Package ctrdtest fakes containerd's own API (pkg/ctrd's Containerd and
// PullContent) for unit tests, beside what it fakes; the CRI side is
// runtimetest's fake server, which Mirror reads.
package ctrdtest

import (
	"context"
	"maps"
	"slices"
	"sync"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// Containerd fakes containerd's own API (ctrd.Containerd), which the
// fake CRI server does not serve. It records every call.
type Containerd struct {
	mu         sync.Mutex
	Records    []ctrd.Container
	TaskList   []ctrd.Task
	SandboxSet []ctrd.Sandbox
	Ver        ctrd.Version
	Info       ctrd.RuntimeInfo
	// InfoErr, when set, is RuntimeInfo's error.
	InfoErr error
	// Err, when set, is returned by every call.
	Err    error
	called []string
}

var _ ctrd.Containerd = (*Containerd)(nil)

func (f *Containerd) record(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called = append(f.called, name)
	return f.Err
}

// Calls returns the calls recorded so far and resets them.
func (f *Containerd) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.called
	f.called = nil
	return c
}

// Namespace implements ctrd.Containerd.
func (f *Containerd) Namespace() string { return runtime.CRINamespace }

// Containers implements ctrd.Containerd.
func (f *Containerd) Containers(context.Context) ([]ctrd.Container, error) {
	return f.Records, f.record("Containers")
}

// Tasks implements ctrd.Containerd.
func (f *Containerd) Tasks(context.Context) ([]ctrd.Task, error) {
	return f.TaskList, f.record("Tasks")
}

// Sandboxes implements ctrd.Containerd.
func (f *Containerd) Sandboxes(context.Context) ([]ctrd.Sandbox, error) {
	return f.SandboxSet, f.record("Sandboxes")
}

// Version implements ctrd.Containerd.
func (f *Containerd) Version(context.Context) (ctrd.Version, error) {
	return f.Ver, f.record("Version")
}

// RuntimeInfo implements ctrd.Containerd.
func (f *Containerd) RuntimeInfo(context.Context, string, string) (ctrd.RuntimeInfo, error) {
	if err := f.record("RuntimeInfo"); err != nil {
		return ctrd.RuntimeInfo{}, err
	}
	return f.Info, f.InfoErr
}

// Mirror returns a fake containerd that holds exactly what CRI would have
// made for s's pods and containers: a container and a
// running task (PIDs from 1000) per running container and ready pod, and a
// sandbox record per pod. In Containerd17 mode it is 1.7: no sandbox
// records (its CRI keeps none) and PluginInfo answered NotImplemented.
func Mirror(s *runtimetest.Server) *Containerd {
	f := &Containerd{Ver: ctrd.Version{Version: "v2.4.2", Revision: "fake"}}
	if s.Mode == runtimetest.Containerd17 {
		f.Ver.Version = "v1.7.35"
		// 1.7's introspection service answers PluginInfo NotImplemented,
		// which RuntimeInfo reports as ErrNoRuntimeInfo.
		f.InfoErr = &runtime.Error{Kind: runtime.KindFailed, Op: "runtime info", Err: ctrd.ErrNoRuntimeInfo}
	}
	s.RuntimeService.Lock()
	defer s.RuntimeService.Unlock()
	pid := uint32(1000)
	task := func(id string, alive bool) {
		if alive {
			f.TaskList = append(f.TaskList, ctrd.Task{ID: id, PID: pid, Status: "running"})
			pid++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.RuntimeService.Sandboxes)) {
		p := s.RuntimeService.Sandboxes[id]
		f.Records = append(f.Records, ctrd.Container{ID: id, CRIKind: "sandbox", Runtime: "io.containerd.runc.v2", Snapshotter: "overlayfs", SnapshotKey: id})
		if s.Mode != runtimetest.Containerd17 {
			f.SandboxSet = append(f.SandboxSet, ctrd.Sandbox{ID: id, Sandboxer: "podsandbox", Runtime: "io.containerd.runc.v2"})
		}
		task(id, p.State == runtimeapi.PodSandboxState_SANDBOX_READY)
	}
	for _, id := range slices.Sorted(maps.Keys(s.RuntimeService.Containers)) {
		c := s.RuntimeService.Containers[id]
		f.Records = append(f.Records, ctrd.Container{ID: id, CRIKind: "container", Runtime: "io.containerd.runc.v2", Snapshotter: "overlayfs",
			SnapshotKey: id, SandboxID: c.SandboxID, Image: c.GetImage().GetImage(), LogPath: c.LogPath})
		task(id, c.State == runtimeapi.ContainerState_CONTAINER_RUNNING)
	}
	return f
}
