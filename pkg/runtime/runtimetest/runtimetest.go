// Package runtimetest starts an in-process fake CRI server
// (k8s.io/cri-client/pkg/fake) for unit tests and benchmarks.
package runtimetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	apitest "k8s.io/cri-api/pkg/apis/testing"
	"k8s.io/cri-client/pkg/fake"
)

// Server is a running fake CRI runtime.
type Server struct {
	*fake.RemoteRuntime
	Endpoint string // unix:///…
	dir      string
}

// Start serves a fake runtime on a short unix socket path (sun_path is
// ~108 bytes, so t.TempDir() is too long on some hosts).
func Start() (*Server, error) {
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		return nil, err
	}
	ep := "unix://" + filepath.Join(dir, "f.sock")
	f := fake.NewFakeRemoteRuntime()
	if err := f.Start(ep); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start fake runtime: %w", err)
	}
	return &Server{RemoteRuntime: f, Endpoint: ep, dir: dir}, nil
}

// New starts a fake runtime stopped at the end of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

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
