package cricli

import (
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/urfave/cli/v3"
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testNow pins ages in tables: every fixture is created relative to it.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testHost pins the machine diagnose reports on.
var testHost = diagnose.HostInfo{Hostname: "testhost", Kernel: "6.1.0-test", OS: "Test Linux 1", Arch: "x86_64"}

func ago(d time.Duration) int64 { return testNow.Add(-d).UnixNano() }

type result struct {
	stdout, stderr string
	code           int
}

// fakeContainerd, when set (withContainerd), stands in for containerd's own
// API, which the fake CRI server does not serve.
var fakeContainerd ctrd.Containerd

// ctr runs the real upstream ctr tree plus ours, as the binary would, with
// --address pointing at ep ("" leaves it unset).
func ctr(t *testing.T, ep string, args ...string) result {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("NODE_NAME", "")
	// An empty config file: tests must not read the host's /etc/crictl.yaml.
	empty := filepath.Join(t.TempDir(), "crictl.yaml")
	writeAt(t, empty, "")
	t.Setenv("CRI_CONFIG_FILE", empty)
	root := ctrRoot()
	argv := []string{"ctr"}
	if ep != "" {
		argv = append(argv, "--address", ep)
	}
	argv = append(argv, args...)
	var out, errb bytes.Buffer
	code := Run(context.Background(), root, argv, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// ctrRoot is the binary's tree: upstream ctr plus cri, with a pinned clock.
func ctrRoot() *cli.Command {
	opts := Options{Now: testNow, Host: &testHost}
	if fakeContainerd != nil {
		opts.Containerd = func(*runtime.Client) ctrd.Containerd { return fakeContainerd }
	}
	root := app.New()
	root.Commands = append(root.Commands, NewCommand(opts))
	return root
}

func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("want success with empty stderr, got exit %d\nstderr: %s\nstdout: %s", r.code, r.stderr, r.stdout)
	}
	return r
}

func (r result) fails(t *testing.T, code int, stderrHas ...string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %d\nstderr: %s\nstdout: %s", code, r.code, r.stderr, r.stdout)
	}
	for _, s := range stderrHas {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr %q does not contain %q", r.stderr, s)
		}
	}
	return r
}

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

const (
	podA = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
	podB = "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3"
	ctrW = "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrX = "c3d4ffffa7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrY = "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"
	imgB = "sha256:e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2"
	imgP = "sha256:f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3"
)

// node is a small fake node: two pods, three containers, two images.
func node(t *testing.T) *runtimetest.Server {
	t.Helper()
	s := runtimetest.New(t)
	s.SetPods(
		runtimetest.Pod{ID: podA, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(2 * time.Hour), Labels: map[string]string{"app": "web"}},
		runtimetest.Pod{ID: podB, Name: "db", Namespace: "data", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ago(time.Hour)},
	)
	s.SetContainers(
		runtimetest.Container{ID: ctrW, Name: "nginx", PodID: podA, Image: "docker.io/library/busybox:latest", ImageRef: imgB, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(90 * time.Minute), Labels: map[string]string{"tier": "front"}},
		runtimetest.Container{ID: ctrX, Name: "sidecar", PodID: podA, Image: "docker.io/library/busybox:latest", ImageRef: imgB, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: ago(80 * time.Minute), Attempt: 2},
		runtimetest.Container{ID: ctrY, Name: "postgres", PodID: podB, Image: imgP, ImageRef: imgP, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(30 * time.Minute)},
	)
	s.SetImages(
		&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest", "localhost:5000/tools/busybox:1.36"}, RepoDigests: []string{"docker.io/library/busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111"}, Size: 4_500_000},
		&runtimeapi.Image{Id: imgP, RepoTags: []string{"registry.k8s.io/pause:3.10"}, Size: 320_000, Pinned: true},
	)
	s.RuntimeCalls()
	return s
}

// callCounts turns recorded RPCs into counts: list calls of one command run
// concurrently, so their order is not part of the contract, their number is.
func callCounts(calls []string) map[string]int {
	m := map[string]int{}
	for _, c := range calls {
		m[c]++
	}
	return m
}

// serveCRI serves a runtime and an image service on a new unix socket
// (short: sun_path is ~108 bytes) until the test ends; it returns the
// endpoint. Tests use it to put a changed method in front of the fake.
func serveCRI(t *testing.T, rs runtimeapi.RuntimeServiceServer, is runtimeapi.ImageServiceServer) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cri")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(gs, rs)
	runtimeapi.RegisterImageServiceServer(gs, is)
	serveBg(t, func() error { return gs.Serve(l) })
	t.Cleanup(func() { gs.Stop(); os.RemoveAll(dir) })
	return "unix://" + sock
}
