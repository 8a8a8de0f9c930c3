package cricli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/fake"
	"k8s.io/cri-streaming/pkg/streaming"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/klog/v2"
	utilexec "k8s.io/utils/exec"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// streamNode is node(t) served on a second endpoint whose streaming calls
// (Exec, Attach, PortForward) hand out URLs of an in-process CRI streaming
// server (k8s.io/cri-streaming, the one containerd embeds), and whose
// ExecSync and GetContainerEvents are scripted by the test.
type streamNode struct {
	*runtimetest.Server
	Endpoint string

	mu        sync.Mutex
	execSync  func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error)
	syncReqs  []*runtimeapi.ExecSyncRequest
	events    []*runtimeapi.ContainerEventResponse
	eventsErr error
	// eventsHold keeps the event stream open after the scripted events
	// until the client goes away.
	eventsHold bool
	// eventsLive, when set, feeds the held stream after the scripted
	// events: a test sends an event when it has changed the node.
	eventsLive chan *runtimeapi.ContainerEventResponse
	streamer   streaming.Server
}

func newStreamNode(t *testing.T) *streamNode {
	t.Helper()
	n := &streamNode{Server: node(t)}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := streaming.DefaultConfig
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = &url.URL{Scheme: "http", Host: ln.Addr().String()}
	n.streamer, err = streaming.NewServer(cfg, fakeContainers{})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: n.streamer}
	serveBg(t, func() error { return hs.Serve(dropListener{ln}) })
	t.Cleanup(func() { hs.Close() })

	n.Endpoint = serveCRI(t, &streamService{RemoteRuntime: n.RemoteRuntime, n: n}, n.RemoteRuntime)
	return n
}

func (n *streamNode) record(call string) {
	n.RuntimeService.Lock()
	defer n.RuntimeService.Unlock()
	n.RuntimeService.Called = append(n.RuntimeService.Called, call)
}

// setLogPath points a fake container at a log file.
func (n *streamNode) setLogPath(id, path string) {
	n.RuntimeService.Lock()
	defer n.RuntimeService.Unlock()
	n.RuntimeService.Containers[id].LogPath = path
}

func (n *streamNode) setState(id string, st runtimeapi.ContainerState) {
	n.RuntimeService.Lock()
	defer n.RuntimeService.Unlock()
	n.RuntimeService.Containers[id].State = st
}

// count returns how often call appears in the recorded RuntimeService calls
// (without resetting them).
func (n *streamNode) count(call string) int {
	n.RuntimeService.Lock()
	defer n.RuntimeService.Unlock()
	c := 0
	for _, x := range n.RuntimeService.Called {
		if x == call {
			c++
		}
	}
	return c
}

func init() {
	// The in-process streaming server reports closed connections through
	// klog; that is noise in test output.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

type streamService struct {
	*fake.RemoteRuntime
	n *streamNode
}

func (s *streamService) ExecSync(_ context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	s.n.record("ExecSync")
	s.n.mu.Lock()
	s.n.syncReqs = append(s.n.syncReqs, req)
	f := s.n.execSync
	s.n.mu.Unlock()
	if f == nil {
		return &runtimeapi.ExecSyncResponse{}, nil
	}
	return f(req)
}

func (s *streamService) Exec(_ context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	s.n.record("Exec")
	return s.n.streamer.GetExec(req)
}

func (s *streamService) Attach(_ context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	s.n.record("Attach")
	return s.n.streamer.GetAttach(req)
}

func (s *streamService) PortForward(_ context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	s.n.record("PortForward")
	return s.n.streamer.GetPortForward(req)
}

func (s *streamService) GetContainerEvents(_ *runtimeapi.GetEventsRequest, stream runtimeapi.RuntimeService_GetContainerEventsServer) error {
	s.n.record("GetContainerEvents")
	s.n.mu.Lock()
	evs, err, hold, live := s.n.events, s.n.eventsErr, s.n.eventsHold, s.n.eventsLive
	s.n.mu.Unlock()
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if err := stream.Send(ev); err != nil {
			return err
		}
	}
	for hold {
		select {
		case <-stream.Context().Done():
			return nil
		case ev := <-live: // a nil channel blocks: no live events
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// fakeContainers runs scripted "commands" behind the streaming server:
//
//	out TEXT / err TEXT   write TEXT and a newline to stdout / stderr
//	exit N                end with exit code N
//	cat                   copy stdin to stdout until EOF
//	tty                   print "tty=BOOL size=WxH" (the first resize event)
//	size                  wait for the next resize event, print "size=WxH"
//	sleep                 block until the client goes away
//
// Attach prints "attached" then copies stdin to stdout; PortForward answers
// "port=N" and echoes what it receives.
type fakeContainers struct{}

func (fakeContainers) Exec(ctx context.Context, _ string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	for i := 0; i < len(cmd); i++ {
		switch cmd[i] {
		case "out", "err":
			w := out
			if cmd[i] == "err" && errw != nil {
				w = errw
			}
			fmt.Fprintln(w, cmd[i+1])
			i++
		case "exit":
			code, _ := strconv.Atoi(cmd[i+1])
			if code != 0 {
				return utilexec.CodeExitError{Err: fmt.Errorf("exit %d", code), Code: code}
			}
			return nil
		case "cat":
			if in != nil {
				// Like cat, it ends when its stdin does, however the
				// client closes it (EOF, detach, a dropped stream).
				_, _ = io.Copy(out, in)
			}
		case "tty":
			size := "none"
			select {
			case s := <-resize:
				size = fmt.Sprintf("%dx%d", s.Width, s.Height)
			case <-time.After(2 * time.Second):
			}
			fmt.Fprintf(out, "tty=%v size=%s\n", tty, size)
		case "size":
			select {
			case s := <-resize:
				fmt.Fprintf(out, "size=%dx%d\n", s.Width, s.Height)
			case <-ctx.Done():
			}
		case "sleep":
			<-ctx.Done()
		default:
			return fmt.Errorf("fake: unknown command %q", cmd[i])
		}
	}
	return nil
}

func (fakeContainers) Attach(ctx context.Context, _ string, in io.Reader, out, _ io.WriteCloser, _ bool, _ <-chan remotecommand.TerminalSize) error {
	fmt.Fprintln(out, "attached")
	if in == nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		// Ends with the client's stdin, however it is closed, as in Exec.
		_, _ = io.Copy(out, in)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

func (fakeContainers) PortForward(_ context.Context, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	fmt.Fprintf(stream, "port=%d\n", port)
	_, err := io.Copy(stream, stream)
	return err
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls s until it contains want.
func (s *syncBuffer) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := s.String(); strings.Contains(got, want) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never contained %q; got %q", want, s.String())
	return ""
}

// bgRun is one command running in the background with its own stdin,
// stdout and stderr, and a context the test can cancel like Ctrl-C.
type bgRun struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

type sessionIO struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// startBg runs ctr with args against ep in the background.
func startBg(t *testing.T, ep string, sio sessionIO, args ...string) *bgRun {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CRI_CONFIG_FILE", "")
	os.Unsetenv("CRI_CONFIG_FILE")
	s := &bgRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	root := app.New()
	root.Commands = append(root.Commands, NewCommand(Options{Now: testNow}))
	root.Reader = sio.stdin
	if root.Reader == nil {
		root.Reader = strings.NewReader("")
	}
	// A given writer is used as it is (a terminal must stay a terminal);
	// the session's buffers then stay empty.
	stdout, stderr := io.Writer(s.stdout), io.Writer(s.stderr)
	if sio.stdout != nil {
		stdout = sio.stdout
	}
	if sio.stderr != nil {
		stderr = sio.stderr
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	argv := append([]string{"ctr", "--address", ep}, args...)
	go func() { s.done <- Run(ctx, root, argv, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	})
	return s
}

// wait returns the exit code, failing the test after a while.
func (s *bgRun) wait(t *testing.T) result {
	t.Helper()
	select {
	case code := <-s.done:
		s.done <- code
		return result{s.stdout.String(), s.stderr.String(), code}
	case <-time.After(20 * time.Second):
		t.Fatalf("command did not end; stdout %q stderr %q", s.stdout.String(), s.stderr.String())
	}
	return result{}
}

// runIn runs ctr to completion with stdin.
func runIn(t *testing.T, ep string, stdin io.Reader, args ...string) result {
	t.Helper()
	return startBg(t, ep, sessionIO{stdin: stdin}, args...).wait(t)
}

// readLine reads one line from a connection with a deadline.
func readLine(t *testing.T, c net.Conn, r *bufio.Reader) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read from forwarded port: %v (got %q)", err, line)
	}
	return line
}
