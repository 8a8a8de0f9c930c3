// Package ctrd is what ctr cri reads and writes through containerd's own
// API beside CRI, over the same connection: load and save of image archives,
// the orphans cross-check, the containerd view of CRI's objects and the
// progress of an image pull (read from the content store). It is built on
// package runtime and never prints.
package ctrd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	introspection "github.com/containerd/containerd/api/services/introspection/v1"
	sandboxapi "github.com/containerd/containerd/api/services/sandbox/v1"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	versionapi "github.com/containerd/containerd/api/services/version/v1"
	apitypes "github.com/containerd/containerd/api/types"
	runcoptions "github.com/containerd/containerd/api/types/runc/options"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/typeurl/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Keys CRI sets on the containerd containers it creates.
const (
	criKindLabel        = "io.cri-containerd.kind"
	criContainerMetaExt = "io.cri-containerd.container.metadata"
)

// ErrNoContainerd is wrapped by errors of containerd API calls to an
// endpoint that serves CRI but not containerd's own API (CRI-O, say).
var ErrNoContainerd = errors.New("the endpoint does not serve containerd's API")

// ErrNoRuntimeInfo is wrapped by RuntimeInfo's error when containerd
// answers the introspection PluginInfo call NotImplemented, as 1.7 does:
// the shim and runc versions are not available before containerd 2.0.
var ErrNoRuntimeInfo = errors.New("not available before containerd 2.0")

// Container is containerd's record of one container in the CRI namespace.
type Container struct {
	ID          string
	Image       string
	Runtime     string // the shim, e.g. io.containerd.runc.v2
	Snapshotter string
	SnapshotKey string
	SandboxID   string
	// CRIKind is CRI's io.cri-containerd.kind label: "container" or
	// "sandbox"; empty for containers CRI did not create.
	CRIKind string
	// LogPath is the CRI log file, from CRI's metadata extension.
	LogPath   string
	CreatedAt time.Time
}

// Task is the init process of a containerd task.
type Task struct {
	ID         string `json:"-"`
	PID        uint32 `json:"pid"`
	Status     string `json:"status"` // created, running, stopped, paused, pausing, unknown
	ExitStatus uint32 `json:"exitStatus,omitempty"`
}

// Sandbox is containerd's record of a sandbox.
type Sandbox struct {
	ID        string
	Sandboxer string // the sandbox controller: podsandbox, shim
	Runtime   string
}

// Version is containerd's own version.
type Version struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
}

// RuntimeInfo is what a shim reports about itself and its OCI runtime.
type RuntimeInfo struct {
	Shim        string // e.g. io.containerd.runc.v2
	ShimVersion string
	// OCIVersion is the OCI runtime's own version (runc's, from its
	// features annotations); empty when it does not say.
	OCIVersion string
}

// Containerd is the part of containerd's own API that ctr cri reads beside
// CRI. Every method is one RPC whatever the number of objects. New
// provides it over the CRI connection; tests fake it.
type Containerd interface {
	Namespace() string
	Containers(ctx context.Context) ([]Container, error)
	Tasks(ctx context.Context) ([]Task, error)
	Sandboxes(ctx context.Context) ([]Sandbox, error)
	Version(ctx context.Context) (Version, error)
	// RuntimeInfo asks containerd to run the shim's -info; binary is the
	// OCI runtime binary from the CRI runtime options ("" for the default).
	RuntimeInfo(ctx context.Context, shim, binary string) (RuntimeInfo, error)
}

// New returns containerd's API over c's CRI connection, scoped to
// namespace ns. It performs no I/O.
func New(c *runtime.Client, ns string) Containerd {
	if ns == "" {
		ns = runtime.CRINamespace
	}
	return &ctrdAPI{c: c, ns: ns}
}

type ctrdAPI struct {
	c  *runtime.Client
	ns string
}

func (a *ctrdAPI) Namespace() string { return a.ns }

// ctrdCall runs one containerd RPC under budget, in the namespace, and
// names the endpoint when containerd's API is not there at all.
func ctrdCall[T any](ctx context.Context, a *ctrdAPI, budget time.Duration, op string, f func(context.Context) (T, error)) (T, error) {
	return runtime.Call(namespaces.WithNamespace(ctx, a.ns), a.c, budget, op, "", func(ctx context.Context) (T, error) {
		res, err := f(ctx)
		if st, ok := status.FromError(err); ok && err != nil && st.Code() == codes.Unimplemented &&
			strings.Contains(st.Message(), "unknown service containerd.") {
			var zero T
			return zero, &runtime.Error{Kind: runtime.KindFailed, Op: op, Endpoint: a.c.RuntimeEndpoint(), Err: ErrNoContainerd,
				Hint: "this command needs containerd, " + a.c.RuntimeEndpoint() + " is another CRI runtime"}
		}
		return res, err
	})
}

func (a *ctrdAPI) Containers(ctx context.Context) ([]Container, error) {
	return ctrdCall(ctx, a, a.c.ListTimeout(), "list containerd containers", func(ctx context.Context) ([]Container, error) {
		// The stream variant: each record carries its OCI spec, and
		// thousands of them exceed one message's size limit.
		stream, err := containersapi.NewContainersClient(a.c.Conn()).ListStream(ctx, &containersapi.ListContainersRequest{})
		if err != nil {
			return nil, err
		}
		var out []Container
		for {
			m, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, ctrdContainer(m.GetContainer()))
		}
	})
}

func ctrdContainer(m *containersapi.Container) Container {
	ct := Container{
		ID: m.GetID(), Image: m.GetImage(), Runtime: m.GetRuntime().GetName(),
		Snapshotter: m.GetSnapshotter(), SnapshotKey: m.GetSnapshotKey(), SandboxID: m.GetSandbox(),
		CRIKind: m.GetLabels()[criKindLabel],
	}
	if m.GetCreatedAt() != nil {
		ct.CreatedAt = m.GetCreatedAt().AsTime()
	}
	// CRI stores its container metadata as a JSON extension; only the log
	// path is read, and a format change only loses that.
	if ext := m.GetExtensions()[criContainerMetaExt]; ext != nil {
		var meta struct{ Metadata struct{ LogPath string } }
		if json.Unmarshal(ext.GetValue(), &meta) == nil {
			ct.LogPath = meta.Metadata.LogPath
		}
	}
	return ct
}

func (a *ctrdAPI) Tasks(ctx context.Context) ([]Task, error) {
	return ctrdCall(ctx, a, a.c.ListTimeout(), "list containerd tasks", func(ctx context.Context) ([]Task, error) {
		resp, err := tasksapi.NewTasksClient(a.c.Conn()).List(ctx, &tasksapi.ListTasksRequest{})
		if err != nil {
			return nil, err
		}
		out := make([]Task, len(resp.GetTasks()))
		for i, t := range resp.GetTasks() {
			out[i] = Task{ID: t.GetID(), PID: t.GetPid(), Status: strings.ToLower(t.GetStatus().String()), ExitStatus: t.GetExitStatus()}
		}
		return out, nil
	})
}

func (a *ctrdAPI) Sandboxes(ctx context.Context) ([]Sandbox, error) {
	return ctrdCall(ctx, a, a.c.ListTimeout(), "list containerd sandboxes", func(ctx context.Context) ([]Sandbox, error) {
		resp, err := sandboxapi.NewStoreClient(a.c.Conn()).List(ctx, &sandboxapi.StoreListRequest{})
		if err != nil {
			return nil, err
		}
		out := make([]Sandbox, len(resp.GetList()))
		for i, s := range resp.GetList() {
			out[i] = Sandbox{ID: s.GetSandboxID(), Sandboxer: s.GetSandboxer(), Runtime: s.GetRuntime().GetName()}
		}
		return out, nil
	})
}

func (a *ctrdAPI) Version(ctx context.Context) (Version, error) {
	return ctrdCall(ctx, a, a.c.Timeout(), "containerd version", func(ctx context.Context) (Version, error) {
		resp, err := versionapi.NewVersionClient(a.c.Conn()).Version(ctx, &emptypb.Empty{})
		if err != nil {
			return Version{}, err
		}
		return Version{Version: resp.GetVersion(), Revision: resp.GetRevision()}, nil
	})
}

func (a *ctrdAPI) RuntimeInfo(ctx context.Context, shim, binary string) (RuntimeInfo, error) {
	return ctrdCall(ctx, a, a.c.Timeout(), "runtime info", func(ctx context.Context) (RuntimeInfo, error) {
		rr := &apitypes.RuntimeRequest{RuntimePath: shim}
		if binary != "" {
			opts, err := typeurl.MarshalAnyToProto(&runcoptions.Options{BinaryName: binary})
			if err != nil {
				return RuntimeInfo{}, err
			}
			rr.Options = opts
		}
		req, err := typeurl.MarshalAnyToProto(rr)
		if err != nil {
			return RuntimeInfo{}, err
		}
		resp, err := introspection.NewIntrospectionClient(a.c.Conn()).PluginInfo(ctx, &introspection.PluginInfoRequest{
			Type: "io.containerd.runtime.v2", ID: "task", Options: req,
		})
		if status.Code(err) == codes.Unimplemented {
			return RuntimeInfo{}, &runtime.Error{Kind: runtime.KindFailed, Op: "runtime info", Endpoint: a.c.RuntimeEndpoint(), Err: ErrNoRuntimeInfo}
		}
		if err != nil {
			return RuntimeInfo{}, err
		}
		var info apitypes.RuntimeInfo
		if err := resp.GetExtra().UnmarshalTo(&info); err != nil {
			return RuntimeInfo{}, fmt.Errorf("decode runtime info: %w", err)
		}
		out := RuntimeInfo{Shim: info.GetName(), ShimVersion: info.GetVersion().GetVersion()}
		// The OCI runtime's features are JSON (runtime-spec's features.Features);
		// runc names its version in their annotations.
		var feat struct{ Annotations map[string]string }
		if f := info.GetFeatures(); f != nil && json.Unmarshal(f.GetValue(), &feat) == nil {
			out.OCIVersion = strings.TrimSpace(feat.Annotations["org.opencontainers.runc.version"])
		}
		return out, nil
	})
}

// View is containerd's side of one CRI container or pod, for
// inspect --containerd.
type View struct {
	Namespace string `json:"namespace"`
	// Container is containerd's container ID; empty when containerd has no
	// container for the CRI object (a pod of the shim sandboxer, or a leak).
	Container   string `json:"container"`
	Task        *Task  `json:"task"` // nil: no task
	Runtime     string `json:"runtime,omitempty"`
	Snapshotter string `json:"snapshotter,omitempty"`
	SnapshotKey string `json:"snapshotKey,omitempty"`
	Sandboxer   string `json:"sandboxer,omitempty"`
	SandboxID   string `json:"sandboxID,omitempty"`
	Image       string `json:"image,omitempty"`
}

// Views cross-references CRI containers or pods (by ID) with containerd
// using exactly three containerd list calls (containers, tasks, sandboxes),
// whatever the number of IDs.
func Views(ctx context.Context, cd Containerd, ids []string) (map[string]*View, error) {
	cv, err := ReadState(ctx, cd)
	if err != nil {
		return nil, err
	}
	ctByID, taskByID, sbByID := cv.byID()
	out := make(map[string]*View, len(ids))
	for _, id := range ids {
		v := &View{Namespace: cd.Namespace()}
		if t, ok := taskByID[id]; ok {
			v.Task = &t
		}
		sandbox := id // a pod's own record
		if ct := ctByID[id]; ct != nil {
			v.Container, v.Runtime, v.Image = ct.ID, ct.Runtime, ct.Image
			v.Snapshotter, v.SnapshotKey = ct.Snapshotter, ct.SnapshotKey
			if ct.SandboxID != "" {
				sandbox, v.SandboxID = ct.SandboxID, ct.SandboxID
			}
		}
		if sb, ok := sbByID[sandbox]; ok {
			v.Sandboxer = sb.Sandboxer
			if v.Runtime == "" {
				v.Runtime = sb.Runtime
			}
		}
		out[id] = v
	}
	return out, nil
}

func tasksByID(tasks []Task) map[string]Task {
	m := make(map[string]Task, len(tasks))
	for _, t := range tasks {
		m[t.ID] = t
	}
	return m
}

// JoinTaskPIDs fills Container.PID from one containerd task list. Against
// a runtime without containerd's API, PIDs stay 0 and no error is returned:
// the column is informative, the CRI listing still stands.
func JoinTaskPIDs(ctx context.Context, cd Containerd, l *runtime.ContainerList) error {
	tasks, err := cd.Tasks(ctx)
	if errors.Is(err, ErrNoContainerd) {
		return nil
	}
	if err != nil {
		return err
	}
	byID := tasksByID(tasks)
	for i := range l.Items {
		if t, ok := byID[l.Items[i].Id]; ok && t.Status != "stopped" {
			l.Items[i].PID = t.PID
		}
	}
	return nil
}
