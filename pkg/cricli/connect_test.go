package cricli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	introspection "github.com/containerd/containerd/api/services/introspection/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "cri")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// serve starts a gRPC server on a fresh socket with the given registrations.
func serve(t *testing.T, register func(*grpc.Server), opts ...grpc.ServerOption) string {
	t.Helper()
	sock := filepath.Join(shortDir(t), "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(opts...)
	register(s)
	serveBg(t, func() error { return s.Serve(l) })
	t.Cleanup(s.Stop)
	return "unix://" + sock
}

func TestDeadSocketIsExit3WithOneLine(t *testing.T) {
	sock := filepath.Join(shortDir(t), "gone.sock")
	r := ctr(t, sock, "cri", "ps").fails(t, 3, "socket "+sock+" does not exist", "is containerd running?")
	if strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
		t.Errorf("want exactly one stderr line, got %q", r.stderr)
	}
}

func TestRefusedSocketIsExit3(t *testing.T) {
	sock := filepath.Join(shortDir(t), "stale.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// Closing a listener with unlink disabled leaves a stale socket file.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	ctr(t, sock, "cri", "pods").fails(t, 3, "nothing is listening on "+sock)
}

func TestNotASocketIsExit3(t *testing.T) {
	f := filepath.Join(shortDir(t), "file")
	writeAt(t, f, "x")
	ctr(t, f, "cri", "version").fails(t, 3, f)
}

func TestNonGRPCListenerIsExit3(t *testing.T) {
	sock := filepath.Join(shortDir(t), "http.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// The client may hang up first (it gives up on a non-gRPC
			// peer): its exit code and stderr are what the test checks.
			_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	r := ctr(t, sock, "cri", "-t", "1s", "ps").fails(t, 3, sock)
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one line, got %q", r.stderr)
	}
}

type fakeIntrospection struct {
	introspection.UnimplementedIntrospectionServer
	plugins []*introspection.Plugin
}

func (f *fakeIntrospection) Plugins(context.Context, *introspection.PluginsRequest) (*introspection.PluginsResponse, error) {
	return &introspection.PluginsResponse{Plugins: f.plugins}, nil
}

func TestContainerdWithCRIDisabled(t *testing.T) {
	ep := serve(t, func(s *grpc.Server) {
		introspection.RegisterIntrospectionServer(s, &fakeIntrospection{})
	})
	ctr(t, ep, "cri", "ps").fails(t, 3, "the CRI plugin is disabled in this containerd (disabled_plugins)")
}

// v1alpha2Only answers only runtime.v1alpha2.RuntimeService/Version.
func v1alpha2Only(s *grpc.Server) {
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: "runtime.v1alpha2.RuntimeService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Version", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var req runtimeapi.VersionRequest
			if err := dec(&req); err != nil {
				return nil, err
			}
			return &runtimeapi.VersionResponse{RuntimeName: "oldtime", RuntimeVersion: "1.5.0", RuntimeApiVersion: "v1alpha2"}, nil
		}}},
	}, struct{}{})
}

func TestV1alpha2OnlyRuntime(t *testing.T) {
	ep := serve(t, v1alpha2Only)
	ctr(t, ep, "cri", "version").fails(t, 3, "CRI v1 not served: runtime too old (oldtime 1.5.0 speaks only v1alpha2)")
}

func TestDeadlineNamesEndpointAndTimeout(t *testing.T) {
	// The server never answers: only the client's own budget ends the call.
	release := make(chan struct{})
	ep := serve(t, func(*grpc.Server) {}, grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		<-release
		return status.Error(codes.Canceled, "released")
	}))
	t.Cleanup(func() { close(release) })
	r := ctr(t, ep, "cri", "--timeout", "150ms", "version").fails(t, 3, "no answer from "+ep+" within 150ms")
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one line, got %q", r.stderr)
	}
}

func TestEndpointPrecedence(t *testing.T) {
	good := node(t)
	bad := "unix://" + filepath.Join(shortDir(t), "bad.sock")
	cfgDir := shortDir(t)
	cfg := filepath.Join(cfgDir, "crictl.yaml")
	// -r beats the env var and ctr --address.
	t.Run("flag", func(t *testing.T) {
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", bad)
		r := ctrEnv(t, bad, "cri", "-r", good.Endpoint, "-D", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "(from --runtime-endpoint)") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("address flag beats env", func(t *testing.T) {
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", bad)
		r := ctrEnv(t, good.Endpoint, "cri", "version")
		if r.code != 0 {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("address beats config", func(t *testing.T) {
		writeAt(t, cfg, "runtime-endpoint: "+bad+"\n")
		t.Setenv("CRI_CONFIG_FILE", cfg)
		r := ctrEnv(t, good.Endpoint, "cri", "version")
		if r.code != 0 {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("config beats default", func(t *testing.T) {
		writeAt(t, cfg, "# node config\nruntime-endpoint: "+good.Endpoint+"\ntimeout: 5\n")
		r := ctrEnv(t, "", "cri", "--config", cfg, "-D", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "(from config "+cfg+")") || !strings.Contains(r.stderr, "timeout 5s") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("named config that is missing", func(t *testing.T) {
		ctrEnv(t, good.Endpoint, "cri", "--config", filepath.Join(cfgDir, "nope.yaml"), "version").
			fails(t, 2, "read config "+filepath.Join(cfgDir, "nope.yaml"))
	})
	t.Run("config that does not parse", func(t *testing.T) {
		writeAt(t, cfg, "runtime-endpoint: [\n")
		ctrEnv(t, good.Endpoint, "cri", "--config", cfg, "version").fails(t, 2, "parse config "+cfg)
	})
	t.Run("unsupported scheme", func(t *testing.T) {
		ctrEnv(t, "", "cri", "-r", "tcp://127.0.0.1:1", "version").fails(t, 2, "only unix sockets are supported")
	})
}

// ctrEnv is ctr without resetting the endpoint environment.
func ctrEnv(t *testing.T, address string, args ...string) result {
	t.Helper()
	root := ctrRoot()
	argv := []string{"ctr"}
	if address != "" {
		argv = append(argv, "--address", address)
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), root, append(argv, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func TestDebugTracesEveryRPC(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "--debug", "ps")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if n := strings.Count(r.stderr, "DEBUG: /runtime.v1."); n != 2 {
		t.Errorf("want 2 RPC trace lines for ps, got %d:\n%s", n, r.stderr)
	}
}

func TestCrictlPersonality(t *testing.T) {
	s := node(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	var out, errb bytes.Buffer
	code := Run(context.Background(), CrictlCommand(), []string{"/usr/local/bin/crictl", "-r", s.Endpoint, "--timeout", "3s", "ps", "-q"}, &out, &errb)
	if code != 0 || errb.Len() != 0 {
		t.Fatalf("crictl ps: exit %d stderr %s", code, errb.String())
	}
	if got := strings.Fields(out.String()); len(got) != 2 || got[0] != ctrY {
		t.Errorf("crictl ps -q printed %v", got)
	}
	errb.Reset()
	code = Run(context.Background(), CrictlCommand(), []string{"crictl", "-r", s.Endpoint, "inspect", "nope"}, &out, &errb)
	if code != 1 || errb.String() != "crictl: container \"nope\": not found\n" {
		t.Errorf("crictl error: exit %d %q", code, errb.String())
	}
	if !IsCrictl("/usr/bin/crictl") || IsCrictl("/usr/bin/ctr") {
		t.Error("IsCrictl misjudges argv[0]")
	}
}

func TestUpstreamCtrCommandsStillPresent(t *testing.T) {
	root := ctrRoot()
	have := map[string]bool{}
	for _, c := range root.Commands {
		have[c.Name] = true
	}
	for _, name := range []string{"images", "containers", "tasks", "plugins", "namespaces", "snapshots", "content", "version", "cri"} {
		if !have[name] {
			t.Errorf("ctr lacks %q", name)
		}
	}
	// The upstream tree still parses and runs its own commands.
	var out, errb bytes.Buffer
	if code := Run(context.Background(), ctrRoot(), []string{"ctr", "--version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "ctr ") {
		t.Errorf("ctr --version: %d %q %q", code, out.String(), errb.String())
	}
}

// A subcommand's own --timeout (exec, stop -t) must not hide ctr cri's.
func TestCriFlagsAreReadFromCriNotTheSubcommand(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"cri", "-D", "--timeout", "7s", "exec", "-s", "nginx", "true"},
		{"cri", "-D", "-t", "7s", "stop", "nginx"},
	} {
		r := ctr(t, s.Endpoint, args...)
		if !strings.Contains(r.stderr, "timeout 7s") {
			t.Errorf("%v: the cri --timeout was lost:\n%s", args, r.stderr)
		}
	}
}

// F27: a key crictl does not know (a typo such as runtime_endpoint) must not
// silently leave the default socket in charge: ctr cri refuses the file with
// its line, as crictl does; the crictl personality warns once and goes on.
func TestUnknownCrictlConfigKey(t *testing.T) {
	s := node(t)
	cfg := file(t, "crictl.yaml", "runtime-endpoint: "+s.Endpoint+"\nruntime_endpoint: unix:///nope\n")
	ctr(t, "", "cri", "-c", cfg, "version").fails(t, ExitUsage, `unknown key "runtime_endpoint" (line 2)`)
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("refused config made calls %v", calls)
	}
	r := crictl(t, "-c", cfg, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "RuntimeName:") {
		t.Errorf("crictl with an unknown key: stdout %q", r.stdout)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.Contains(r.stderr, `crictl: warning: config `) || !strings.Contains(r.stderr, `"runtime_endpoint" (line 2)`) {
		t.Errorf("crictl with an unknown key: want one warning line, got %q", r.stderr)
	}
}
