// Package runtimetest starts an in-process fake CRI server
// (k8s.io/cri-client/pkg/fake) for unit tests and benchmarks.
package runtimetest

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	apitest "k8s.io/cri-api/pkg/apis/testing"
	"k8s.io/cri-client/pkg/fake"
)

// Server is a running fake CRI runtime.
type Server struct {
	*fake.RemoteRuntime
	Endpoint string // unix:///…
	// Mode is the containerd release the fake answers as.
	Mode Mode
	dir  string
	srv  *grpc.Server

	mu         sync.Mutex
	statusInfo map[string]string
}

// Mode is the containerd release a fake answers as, for what differs
// between releases: which RPCs exist and which fields are set.
type Mode int

const (
	// Current answers every RPC of the CRI API, as containerd 2.2 and
	// later do.
	Current Mode = iota
	// Containerd17 answers as containerd 1.7 does: RuntimeConfig,
	// ListMetricDescriptors and ListPodSandboxMetrics are unknown methods
	// (codes.Unimplemented, grpc's own message); containers have no
	// status.user (the fake sets none in either mode); and the containerd
	// fake from Mirror holds no sandbox records and answers the
	// introspection PluginInfo call NotImplemented.
	Containerd17
)

// missingIn17 are the RuntimeService methods containerd 1.7's CRI plugin
// does not register.
var missingIn17 = []string{"RuntimeConfig", "ListMetricDescriptors", "ListPodSandboxMetrics"}

// Start serves a fake runtime on a short unix socket path (sun_path is
// ~108 bytes, so t.TempDir() is too long on some hosts).
func Start() (*Server, error) { return StartMode(Current) }

// StartMode is Start answering as the release mode names.
func StartMode(mode Mode) (*Server, error) {
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "f.sock")
	f := fake.NewFakeRemoteRuntime()
	s := &Server{RemoteRuntime: f, Endpoint: "unix://" + sock, Mode: mode, dir: dir, srv: grpc.NewServer()}
	// Served here rather than by f.Start, so that a release's missing
	// methods can be left out of the service description: grpc itself
	// then answers them, as it does for that containerd.
	rs := runtimeapi.RuntimeService_ServiceDesc
	if mode == Containerd17 {
		rs.Methods = slices.DeleteFunc(slices.Clone(rs.Methods), func(m grpc.MethodDesc) bool {
			return slices.Contains(missingIn17, m.MethodName)
		})
	}
	s.srv.RegisterService(&rs, runtimeService{f, s})
	runtimeapi.RegisterImageServiceServer(s.srv, f)
	l, err := net.Listen("unix", sock)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start fake runtime: %w", err)
	}
	go func() { _ = s.srv.Serve(l) }() // returns when Stop closes l
	// What fake.RemoteRuntime.Start sets: runtime and network ready.
	f.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		{Type: runtimeapi.NetworkReady, Status: true},
	}}
	return s, nil
}

// SetStatusInfo sets the info map a verbose Status answers with, as
// containerd's CRI does ("config": its CRI config as JSON, …).
func (s *Server) SetStatusInfo(info map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statusInfo = info
}

// runtimeService is the fake's runtime service with verbose Status info.
type runtimeService struct {
	*fake.RemoteRuntime
	s *Server
}

// Status implements runtimeapi.RuntimeServiceServer.
func (r runtimeService) Status(ctx context.Context, req *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	resp, err := r.RemoteRuntime.Status(ctx, req)
	if err != nil || !req.GetVerbose() {
		return resp, err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.statusInfo != nil {
		resp.Info = maps.Clone(r.s.statusInfo)
	}
	return resp, nil
}

// New starts a fake runtime stopped at the end of the test.
func New(t testing.TB) *Server { return NewMode(t, Current) }

// NewMode is New answering as the release mode names.
func NewMode(t testing.TB, mode Mode) *Server {
	t.Helper()
	s, err := StartMode(mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Stop stops serving.
func (s *Server) Stop() { s.srv.Stop() }

// Close stops the server and removes its socket directory.
func (s *Server) Close() {
	s.Stop()
	os.RemoveAll(s.dir)
}

// RuntimeCalls returns the RuntimeService calls recorded so far and resets them.
func (s *Server) RuntimeCalls() []string {
	s.RuntimeService.Lock()
	defer s.RuntimeService.Unlock()
	c := s.RuntimeService.Called
	s.RuntimeService.Called = nil
	return c
}

// ImageCalls returns the ImageService calls recorded so far and resets them.
func (s *Server) ImageCalls() []string {
	s.ImageService.Lock()
	defer s.ImageService.Unlock()
	c := s.ImageService.Called
	s.ImageService.Called = nil
	return c
}

// Pod describes a fake sandbox.
type Pod struct {
	ID, Name, Namespace string
	State               runtimeapi.PodSandboxState
	CreatedAt           int64
	Labels              map[string]string
	Attempt             uint32
}

// Container describes a fake container.
type Container struct {
	ID, Name, PodID, Image, ImageRef string
	State                            runtimeapi.ContainerState
	CreatedAt                        int64
	Attempt                          uint32
	Labels                           map[string]string
	// LogPath defaults to /var/log/pods/ID.log.
	LogPath         string
	ExitCode        int32
	Reason, Message string
	FinishedAt      int64 // nanoseconds since the epoch, for an exited container
}

// SetPods replaces the fake's sandboxes.
func (s *Server) SetPods(pods ...Pod) {
	fp := make([]*apitest.FakePodSandbox, len(pods))
	for i, p := range pods {
		fp[i] = &apitest.FakePodSandbox{PodSandboxStatus: runtimeapi.PodSandboxStatus{
			Id:        p.ID,
			Metadata:  &runtimeapi.PodSandboxMetadata{Name: p.Name, Namespace: p.Namespace, Uid: "uid-" + p.ID, Attempt: p.Attempt},
			State:     p.State,
			CreatedAt: p.CreatedAt,
			Labels:    p.Labels,
		}}
	}
	s.RuntimeService.SetFakeSandboxes(fp)
}

// SetContainers replaces the fake's containers.
func (s *Server) SetContainers(cs ...Container) {
	fc := make([]*apitest.FakeContainer, len(cs))
	for i, c := range cs {
		if c.LogPath == "" {
			c.LogPath = "/var/log/pods/" + c.ID + ".log"
		}
		fc[i] = &apitest.FakeContainer{SandboxID: c.PodID, ContainerStatus: runtimeapi.ContainerStatus{
			Id:         c.ID,
			Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: c.Attempt},
			State:      c.State,
			CreatedAt:  c.CreatedAt,
			Image:      &runtimeapi.ImageSpec{Image: c.Image},
			ImageRef:   c.ImageRef,
			Labels:     c.Labels,
			LogPath:    c.LogPath,
			ExitCode:   c.ExitCode,
			Reason:     c.Reason,
			Message:    c.Message,
			FinishedAt: c.FinishedAt,
		}}
	}
	s.RuntimeService.SetFakeContainers(fc)
}

// SetImages replaces the fake's images, keyed by ID as ImageStatus is
// called with resolved IDs.
func (s *Server) SetImages(imgs ...*runtimeapi.Image) {
	s.ImageService.Lock()
	defer s.ImageService.Unlock()
	s.ImageService.Images = make(map[string]*runtimeapi.Image, len(imgs))
	for _, im := range imgs {
		s.ImageService.Images[im.Id] = im
	}
}
