package cricli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// crictl runs the crictl personality (argv[0] "crictl") with a clean
// endpoint environment and an empty config file.
func crictl(t *testing.T, args ...string) result {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CONTAINERD_ADDRESS", "")
	empty := filepath.Join(t.TempDir(), "crictl.yaml")
	writeAt(t, empty, "")
	t.Setenv("CRI_CONFIG_FILE", empty)
	var out, errb bytes.Buffer
	code := Run(context.Background(), CrictlCommand(), append([]string{"crictl"}, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// C01: under crictl, -t is a per-RPC limit; it must not end a stream.
func TestCrictlTimeoutDoesNotEndStreams(t *testing.T) {
	n := eventsNode(t)
	n.eventsHold = true
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CRI_CONFIG_FILE", "")
	os.Unsetenv("CRI_CONFIG_FILE")
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, CrictlCommand(), []string{"crictl", "-r", n.Endpoint, "-t", "100ms", "events"}, &out, &errb)
	}()
	select {
	case code := <-done:
		t.Fatalf("crictl -t 100ms events ended after the timeout: exit %d stderr %q", code, errb.String())
	case <-time.After(700 * time.Millisecond):
	}
	cancel()
	if code := <-done; code != 0 || errb.String() != "" {
		t.Errorf("after Ctrl-C: exit %d stderr %q", code, errb.String())
	}
	if strings.Count(out.String(), "containerEventType") != 4 {
		t.Errorf("events printed %q", out.String())
	}
}

// Operator finding 10: ctr --timeout's expiry is named as such, not as the
// per-RPC limit.
func TestCtrTimeoutErrorNamesTheDeadlineThatFired(t *testing.T) {
	release := make(chan struct{})
	ep := serve(t, func(*grpc.Server) {}, grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		<-release
		return status.Error(codes.Canceled, "released")
	}))
	t.Cleanup(func() { close(release) })
	r := ctr(t, ep, "--timeout", "200ms", "cri", "ps").fails(t, ExitUnreachable, "ctr --timeout 200ms expired before "+ep+" answered")
	if strings.Contains(r.stderr, "within") {
		t.Errorf("names the per-RPC limit: %q", r.stderr)
	}
	ctr(t, ep, "cri", "-t", "200ms", "version").fails(t, ExitUnreachable, "within 200ms (raise ctr cri --timeout/-t")
}

// Issue 9 item 6 and F25: flags beat the environment, an empty variable is unset.
func TestFlagsBeatEnvironment(t *testing.T) {
	good := node(t)
	bad := "unix://" + filepath.Join(shortDir(t), "bad.sock")
	t.Setenv("CRI_CONFIG_FILE", "")
	os.Unsetenv("CRI_CONFIG_FILE")
	t.Run("ctr --address beats CONTAINER_RUNTIME_ENDPOINT", func(t *testing.T) {
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", bad)
		t.Setenv("IMAGE_SERVICE_ENDPOINT", bad)
		r := ctrEnv(t, good.Endpoint, "cri", "-D", "images", "-q")
		if r.code != 0 || !strings.Contains(r.stderr, "(from ctr --address)") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("CONTAINER_RUNTIME_ENDPOINT beats CONTAINERD_ADDRESS", func(t *testing.T) {
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", good.Endpoint)
		t.Setenv("CONTAINERD_ADDRESS", bad)
		r := ctrEnv(t, "", "cri", "-D", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "(from CONTAINER_RUNTIME_ENDPOINT)") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("CONTAINERD_ADDRESS alone", func(t *testing.T) {
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
		t.Setenv("CONTAINERD_ADDRESS", good.Endpoint)
		r := ctrEnv(t, "", "cri", "-D", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "(from CONTAINERD_ADDRESS)") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
	t.Run("empty CONTAINERD_ADDRESS is unset", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "crictl.yaml")
		writeAt(t, cfg, "runtime-endpoint: "+good.Endpoint+"\n")
		t.Setenv("CRI_CONFIG_FILE", cfg)
		t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
		t.Setenv("CONTAINERD_ADDRESS", "")
		r := ctrEnv(t, "", "cri", "-D", "version")
		if r.code != 0 || !strings.Contains(r.stderr, "(from config "+cfg+")") {
			t.Errorf("exit %d stderr %s", r.code, r.stderr)
		}
	})
}

// Issue 9 item 5: crictl's name, NAME line and usage lines, crictl's flag
// names in hints (B-D1, B-D2, F24, operator finding 9).
func TestCrictlHelpAndHintsNameCrictl(t *testing.T) {
	r := crictl(t, "--help").ok(t)
	if !strings.Contains(r.stdout, "crictl - client for CRI\n") || strings.Contains(r.stdout, "ctr") ||
		!regexp.MustCompile(`(?s)attach .*checkpoint .*completion .*config .*create `).MatchString(r.stdout) {
		t.Errorf("crictl --help:\n%s", r.stdout)
	}
	r = crictl(t, "rm", "--help").ok(t)
	if !strings.Contains(r.stdout, "crictl rm ") || strings.Contains(r.stdout, "ctr cri") {
		t.Errorf("crictl rm --help:\n%s", r.stdout)
	}
	sock := filepath.Join(shortDir(t), "gone.sock")
	r = crictl(t, "-r", sock, "--max-retries", "0", "version").fails(t, 1, "does not exist", "--runtime-endpoint/-r")
	if strings.Contains(r.stderr, "ctr") {
		t.Errorf("crictl hint names ctr: %q", r.stderr)
	}
	r = crictl(t, "-r", sock, "--max-retries", "0", "exec").ok(t)
	if !strings.Contains(r.stdout, "crictl exec ") {
		t.Errorf("crictl exec (no args) help:\n%s", r.stdout)
	}
}

// C32, operator finding 12: crictl exits 1 on every failure and 3 for an
// unknown command; ctr never answers a help path with 3.
func TestExitCodesPerPersonality(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-r", s.Endpoint, "ps", "--bogus"}, 1},
		{[]string{"-r", s.Endpoint, "ps", "--state", "bogus"}, 1},
		{[]string{"-r", s.Endpoint, "ps", "-o", "bogus"}, 1},
		{[]string{"-r", "tcp://127.0.0.1:1", "version"}, 1},
		{[]string{"-r", "/nonexistent.sock", "--max-retries", "0", "version"}, 1},
		{[]string{"foo"}, 3},
		{[]string{"help", "foo"}, 3},
	} {
		if r := crictl(t, tc.args...); r.code != tc.code {
			t.Errorf("crictl %v: exit %d, want %d (stderr %q)", tc.args, r.code, tc.code, r.stderr)
		}
	}
	for _, args := range [][]string{{"cri", "help", "nosuch"}, {"nosuch"}, {"help", "nosuch"}, {"completion", "tcsh"}} {
		ctr(t, "", args...).fails(t, ExitUsage, "No help topic for")
	}
}

// C05, E33, X03: where crictl prints the help and exits 0, so does the
// crictl personality; ctr cri keeps its usage error.
func TestCrictlHelpForWrongArgumentCounts(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"rm"}, {"rmi"}, {"rmp"}, {"stopp"}, {"create"}, {"run"}, {"runp"}, {"exec"}, {"exec", "nginx"},
		{"port-forward"}, {"config"}, {"update-runtime-config"}, {"ps", "foo"}, {"version", "x"},
		{"info", "x"}, {"events", "x"}, {"images", "a", "b"}, {"pull", "a", "b"}, {"logs", "nginx", "x"},
		{"completion", "bash", "zsh"},
	} {
		r := crictl(t, append([]string{"-r", s.Endpoint}, args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "USAGE:") || !strings.Contains(r.stdout, "crictl "+args[0]) {
			t.Errorf("crictl %v: exit %d stdout %q stderr %q, want help and exit 0", args, r.code, r.stdout, r.stderr)
		}
		ctr(t, s.Endpoint, append([]string{"cri"}, args...)...).fails(t, ExitUsage)
	}
	// pods ignores arguments under crictl.
	if r := crictl(t, "-r", s.Endpoint, "pods", "-q", "x").ok(t); len(strings.Fields(r.stdout)) != 2 {
		t.Errorf("crictl pods x: %q", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "pods", "x").fails(t, ExitUsage, "takes no arguments")
	// So do runtime-config and imagefsinfo: the same document as without it.
	for _, c := range []string{"runtime-config", "imagefsinfo"} {
		want := crictl(t, "-r", s.Endpoint, c).ok(t).stdout
		if got := crictl(t, "-r", s.Endpoint, c, "x").ok(t).stdout; got != want {
			t.Errorf("crictl %s x printed %q, want %q", c, got, want)
		}
		ctr(t, s.Endpoint, "cri", c, "x").fails(t, ExitUsage, "takes no arguments")
	}
	// Missing IDs where crictl says "ID cannot be empty": exit 1, no help.
	for _, args := range [][]string{{"stop"}, {"start"}, {"logs"}, {"attach"}} {
		if r := crictl(t, append([]string{"-r", s.Endpoint}, args...)...); r.code != 1 || r.stdout != "" {
			t.Errorf("crictl %v: exit %d stdout %q", args, r.code, r.stdout)
		}
	}
}

// C29: crictl's version texts.
func TestCrictlVersionText(t *testing.T) {
	s := node(t)
	r := crictl(t, "--version").ok(t)
	if !strings.HasPrefix(r.stdout, "crictl version ") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("crictl --version: %q", r.stdout)
	}
	r = crictl(t, "-r", s.Endpoint, "version").ok(t)
	if !strings.HasPrefix(r.stdout, "Version:  ") || strings.Contains(r.stdout, "Client Version") {
		t.Errorf("crictl version:\n%s", r.stdout)
	}
	if r := ctr(t, s.Endpoint, "cri", "version").ok(t); !strings.HasPrefix(r.stdout, "Client Version:  ") {
		t.Errorf("ctr cri version:\n%s", r.stdout)
	}
}

// otlpReceiver is an in-test OTLP/gRPC trace collector.
type otlpReceiver struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
	reqs  []*collectortrace.ExportTraceServiceRequest
}

func (r *otlpReceiver) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			r.spans = append(r.spans, ss.Spans...)
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func startReceiver(t *testing.T) (*otlpReceiver, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &otlpReceiver{}
	s := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(s, r)
	serveBg(t, func() error { return s.Serve(l) })
	t.Cleanup(s.Stop)
	return r, l.Addr().String()
}

// A12–A14: a root span per command, one child span per CRI call.
func TestTracingSendsOneSpanPerRPCUnderTheCommandSpan(t *testing.T) {
	s := node(t)
	recv, addr := startReceiver(t)
	ctr(t, s.Endpoint, "cri", "--enable-tracing", "--tracing-endpoint", addr, "ps").ok(t)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	var root *tracepb.Span
	for _, sp := range recv.spans {
		if len(sp.ParentSpanId) == 0 {
			root = sp
		}
	}
	if root == nil || root.Name != "ps" {
		t.Fatalf("no root span named ps among %d spans", len(recv.spans))
	}
	var children []string
	for _, sp := range recv.spans {
		if bytes.Equal(sp.ParentSpanId, root.SpanId) {
			children = append(children, sp.Name)
		}
	}
	sort.Strings(children)
	if strings.Join(children, " ") != "runtime.v1.RuntimeService/ListContainers runtime.v1.RuntimeService/ListPodSandbox" {
		t.Errorf("child spans %v", children)
	}
	// Sampling rate 0 sends nothing.
	before := len(recv.spans)
	recv.mu.Unlock()
	ctr(t, s.Endpoint, "cri", "--enable-tracing", "--tracing-endpoint", addr, "--tracing-sampling-rate-per-million", "0", "version").ok(t)
	recv.mu.Lock()
	if len(recv.spans) != before {
		t.Errorf("rate 0 exported %d spans", len(recv.spans)-before)
	}
}

// An unreachable collector neither fails nor stalls the command; bad
// sampling rates are a usage error under ctr cri and accepted by crictl.
func TestTracingBadInput(t *testing.T) {
	s := node(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	start := time.Now()
	ctr(t, s.Endpoint, "cri", "-t", "1s", "--enable-tracing", "--tracing-endpoint", dead, "version").ok(t)
	if took := time.Since(start); took > 2500*time.Millisecond { // 1 s export bound + the command on a busy machine
		t.Errorf("a dead collector slowed the command to %s", took)
	}
	ctr(t, s.Endpoint, "cri", "--enable-tracing", "--tracing-sampling-rate-per-million", "-5", "version").
		fails(t, ExitUsage, "invalid --tracing-sampling-rate-per-million -5")
	crictl(t, "-r", s.Endpoint, "--enable-tracing", "--tracing-endpoint", dead, "--tracing-sampling-rate-per-million", "-5", "version").ok(t)
	crictl(t, "-r", s.Endpoint, "--tracing-sampling-rate-per-million", "x", "version").fails(t, 1)
}

// A15, A16: CPU and heap profiles are written.
func TestProfiles(t *testing.T) {
	s := node(t)
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	crictl(t, "-r", s.Endpoint, "--profile-cpu", cpu, "--profile-mem", mem, "version").ok(t)
	for _, p := range []string{cpu, mem} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v", p, err)
		}
	}
	ctr(t, s.Endpoint, "cri", "--profile-mem", filepath.Join(dir, "no", "such", "dir"), "version").fails(t, ExitFailed, "create profile")
}

// A04, X06: an explicit endpoint that is not there yet is retried with
// crictl's backoff; --max-retries 0 fails at once.
func TestMaxRetries(t *testing.T) {
	s := node(t)
	sockPath := strings.TrimPrefix(s.Endpoint, "unix://")
	// -D traces every attempt: counting them checks the retries without
	// depending on how fast this machine is.
	attempts := func(r result) int { return strings.Count(r.stderr, "DEBUG: /runtime.v1.RuntimeService/Version") }
	link := filepath.Join(shortDir(t), "late.sock")
	if r := crictl(t, "-D", "-r", link, "--max-retries", "0", "version").fails(t, 1, "does not exist"); attempts(r) != 1 {
		t.Errorf("--max-retries 0 made %d attempts, want 1", attempts(r))
	}
	if r := crictl(t, "-D", "-r", link, "--max-retries", "2", "version").fails(t, 1, "does not exist"); attempts(r) != 3 {
		t.Errorf("--max-retries 2 made %d attempts, want 3", attempts(r))
	}
	// A socket that shows up while crictl backs off (0.5 s, 1 s, 2 s) is
	// reached: it appears after the first attempt has failed.
	linked := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		linked <- os.Symlink(sockPath, link)
	}()
	if r := crictl(t, "-D", "-r", link, "--max-retries", "3", "version"); r.code != 0 || attempts(r) < 2 {
		t.Errorf("exit %d after %d attempt(s), want success on a retry: %s", r.code, attempts(r), r.stderr)
	}
	if err := <-linked; err != nil {
		t.Fatal(err)
	}
	// ctr cri fails fast by default, and retries when asked.
	gone := filepath.Join(shortDir(t), "gone.sock")
	if r := ctr(t, gone, "cri", "-D", "version").fails(t, ExitUnreachable); attempts(r) != 1 {
		t.Errorf("ctr cri without --max-retries made %d attempts, want 1", attempts(r))
	}
	if r := ctr(t, gone, "cri", "-D", "--max-retries", "1", "version").fails(t, ExitUnreachable); attempts(r) != 2 {
		t.Errorf("ctr cri --max-retries 1 made %d attempts, want 2", attempts(r))
	}
}

// A05, X06: crictl.yaml next to the binary serves when the default file is
// absent; the default file wins when present.
func TestConfigNextToTheExecutable(t *testing.T) {
	s := node(t)
	bin := t.TempDir()
	writeAt(t, filepath.Join(bin, "crictl.yaml"), "runtime-endpoint: "+s.Endpoint+"\n")
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CRI_CONFIG_FILE", "")
	os.Unsetenv("CRI_CONFIG_FILE")
	exe := func() (string, error) { return filepath.Join(bin, "ctr"), nil }
	opts := Options{ConfigFile: filepath.Join(t.TempDir(), "absent.yaml"), Executable: exe}
	var out, errb bytes.Buffer
	code := Run(context.Background(), NewCrictlCommand(opts), []string{"crictl", "-D", "version"}, &out, &errb)
	if code != 0 || !strings.Contains(errb.String(), "(from config "+filepath.Join(bin, "crictl.yaml")+")") {
		t.Errorf("crictl version: exit %d stderr %s", code, errb.String())
	}
	opts.ConfigFile = filepath.Join(t.TempDir(), "crictl.yaml")
	writeAt(t, opts.ConfigFile, "runtime-endpoint: /nonexistent.sock\n")
	errb.Reset()
	code = Run(context.Background(), NewCrictlCommand(opts), []string{"crictl", "--max-retries", "0", "version"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "/nonexistent.sock") {
		t.Errorf("the default file must win: exit %d stderr %s", code, errb.String())
	}
}

// A01, E16: combined short options where crictl accepts them, in both
// personalities.
func TestCombinedShortOptions(t *testing.T) {
	s := node(t)
	r := crictl(t, "-r", s.Endpoint, "ps", "-aq").ok(t)
	if got := strings.Fields(r.stdout); len(got) != 3 {
		t.Errorf("ps -aq printed %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-an", "1", "-q").ok(t)
	if got := strings.Fields(r.stdout); len(got) != 1 || got[0] != ctrY {
		t.Errorf("ps -an 1 -q printed %v", got)
	}
	r = crictl(t, "-r", s.Endpoint, "images", "-qv").ok(t)
	if r.stdout == "" {
		t.Errorf("images -qv printed nothing")
	}
	r = crictl(t, "-r", s.Endpoint, "pods", "-ql").ok(t)
	if got := strings.Fields(r.stdout); len(got) != 1 || got[0] != podB {
		t.Errorf("pods -ql printed %v", got)
	}
	r = crictl(t, "create", "js", "-pc").ok(t)
	if !strings.Contains(r.stdout, "PodSandboxConfig") || !strings.Contains(r.stdout, "ContainerConfig") {
		t.Errorf("create js -pc:\n%.200s", r.stdout)
	}
}

// C15, E38, E39: stop/stopp of an unknown ID succeed under crictl, as
// crictl on containerd; ctr cri reports it.
func TestStopUnknownPerPersonality(t *testing.T) {
	s := node(t)
	for _, cmd := range []string{"stop", "stopp"} {
		r := crictl(t, "-r", s.Endpoint, cmd, "deadbeef").ok(t)
		if !strings.Contains(r.stdout, "deadbeef") {
			t.Errorf("crictl %s deadbeef printed %q", cmd, r.stdout)
		}
		ctr(t, s.Endpoint, "cri", cmd, "deadbeef").fails(t, ExitFailed, "not found")
	}
	r := crictl(t, "-r", s.Endpoint, "stop", "deadbeef", "nginx").ok(t)
	if !strings.Contains(r.stdout, ctrW) {
		t.Errorf("crictl stop deadbeef nginx: %q", r.stdout)
	}
	if calls := callCounts(s.RuntimeCalls())["StopContainer"]; calls != 1 {
		t.Errorf("StopContainer called %d times, want 1 (the known container)", calls)
	}
}

// C14, X05: unknown fields in a pod config are a warning under crictl (which
// ignores them) and an error under ctr cri; a wrong type stays an error.
func TestUnknownConfigFieldsPerPersonality(t *testing.T) {
	s := node(t)
	extra := file(t, "pod.yaml", podConfigYAML+"extra_field: x\nlogDirectory: /tmp/x\n")
	r := crictl(t, "-r", s.Endpoint, "runp", extra)
	if r.code != 0 || strings.TrimSpace(r.stdout) == "" || !strings.Contains(r.stderr, "extra_field: unknown field in PodSandboxConfig (ignored)") {
		t.Errorf("crictl runp: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	ctr(t, s.Endpoint, "cri", "runp", extra).fails(t, ExitUsage, "extra_field: unknown field in PodSandboxConfig")
	bad := file(t, "pod.yaml", podConfigYAML+"hostname: [1]\n")
	crictl(t, "-r", s.Endpoint, "runp", bad).fails(t, 1, "hostname")
}

// C01, E02: crictl -t bounds each call, never the whole command: an exec -s
// that runs longer than -t still answers.
func TestCrictlTimeoutDoesNotEndExecSync(t *testing.T) {
	n := newStreamNode(t)
	n.execSync = func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
		time.Sleep(400 * time.Millisecond)
		return &runtimeapi.ExecSyncResponse{Stdout: []byte("done\n")}, nil
	}
	r := crictl(t, "-r", n.Endpoint, "-t", "150ms", "exec", "-s", "nginx", "sleep", "1")
	if r.code != 0 || r.stdout != "done\n" {
		t.Errorf("crictl -t 150ms exec -s: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// B-D2: a bad image endpoint is named as such, not as the runtime socket.
func TestBadImageEndpointIsNamed(t *testing.T) {
	s := node(t)
	gone := filepath.Join(shortDir(t), "img.sock")
	r := crictl(t, "-r", s.Endpoint, "-i", gone, "--max-retries", "0", "images").fails(t, 1, "socket "+gone+" does not exist", "--image-endpoint/-i")
	if strings.Contains(r.stderr, strings.TrimPrefix(s.Endpoint, "unix://")) {
		t.Errorf("names the runtime socket: %q", r.stderr)
	}
}

// Operator finding A.11: a mistyped command gets a suggestion.
func TestUnknownCommandSuggests(t *testing.T) {
	ctr(t, "", "cri", "pss").fails(t, ExitUsage, `unknown command "pss" for "ctr cri" (did you mean "ps"?)`)
	ctr(t, "", "cri", "zzzzzz").fails(t, ExitUsage, `unknown command "zzzzzz" for "ctr cri"`)
}
