package cricli

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
)

func TestExecSyncKeepsStreamsSeparateAndPassesTheExitCode(t *testing.T) {
	n := newStreamNode(t)
	for _, code := range []int32{0, 3} {
		n.execSync = func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
			return &runtimeapi.ExecSyncResponse{Stdout: []byte("to stdout\n"), Stderr: []byte("to stderr\n"), ExitCode: code}, nil
		}
		r := ctr(t, n.Endpoint, "cri", "exec", "-s", "nginx", "sh", "-c", "echo hi")
		if r.code != int(code) || r.stdout != "to stdout\n" || r.stderr != "to stderr\n" {
			t.Errorf("exit %d: got code %d, stdout %q, stderr %q; want the remote code and each stream on its own", code, r.code, r.stdout, r.stderr)
		}
	}
	req := n.syncReqs[len(n.syncReqs)-1]
	if req.ContainerId != ctrW || strings.Join(req.Cmd, " ") != "sh -c echo hi" || req.Timeout != 0 {
		t.Errorf("ExecSync request %v: want container %s, the command after the container (flags included) and no timeout", req, ctrW)
	}
}

func TestExecSyncTimeout(t *testing.T) {
	n := newStreamNode(t)
	ctr(t, n.Endpoint, "cri", "exec", "-s", "--timeout", "5", ctrW[:8], "true").ok(t)
	if got := n.syncReqs[0].Timeout; got != 5 {
		t.Errorf("ExecSync timeout %d, want 5", got)
	}
	n.execSync = func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
		return nil, status.Error(codes.DeadlineExceeded, "timeout 5s exceeded: context deadline exceeded")
	}
	ctr(t, n.Endpoint, "cri", "exec", "-s", "--timeout", "5", ctrW[:8], "sleep", "60").
		fails(t, 1, `exec in container "`+ctrW[:8]+`" (`+ctrW[:13]+`): command did not finish within 5s`)
}

func TestExecStreamsPassExitCodesOverBothTransports(t *testing.T) {
	n := newStreamNode(t)
	for _, transport := range []string{"spdy", "websocket"} {
		n.RuntimeCalls()
		r := ctr(t, n.Endpoint, "cri", "exec", "--transport", transport, "nginx", "out", "hello", "err", "oops", "exit", "3")
		if got := n.count("Exec"); got != 1 {
			// Over websocket the CRI server speaks v4.channel.k8s.io: no
			// fallback (a second URL) needed.
			t.Errorf("%s: Exec called %d times, want 1", transport, got)
		}
		if r.code != 3 || r.stdout != "hello\n" || r.stderr != "oops\n" {
			t.Errorf("%s: got code %d stdout %q stderr %q; want 3, hello, oops", transport, r.code, r.stdout, r.stderr)
		}
		ctr(t, n.Endpoint, "cri", "exec", "-r", transport, "nginx", "exit", "0").ok(t)
	}
}

func TestExecInteractivePassesPipedStdin(t *testing.T) {
	n := newStreamNode(t)
	r := runIn(t, n.Endpoint, strings.NewReader("line one\nline two\n"), "cri", "exec", "-i", "nginx", "cat").ok(t)
	if r.stdout != "line one\nline two\n" {
		t.Errorf("stdout %q, want stdin echoed back by cat", r.stdout)
	}
}

func TestExecTTYRawModeResizeDetachAndRestore(t *testing.T) {
	n := newStreamNode(t)
	master, slave := openPTY(t)
	before := termios(t, slave)
	out := &syncBuffer{}
	readScreen(out, master)

	s := startBg(t, n.Endpoint, sessionIO{stdin: slave, stdout: slave, stderr: slave}, "cri", "exec", "-it", "nginx", "tty", "size", "cat")
	out.waitFor(t, "tty=true size=80x24")
	if raw := termios(t, slave); raw.Lflag&unix.ICANON != 0 || raw.Lflag&unix.ECHO != 0 {
		t.Errorf("terminal not in raw mode during the session: lflag %#x", raw.Lflag)
	}
	setSize(t, slave, 120, 40)
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "size=120x40")
	typeIn(t, master, []byte("typed\n"))
	out.waitFor(t, "typed\n")
	// ctrl-p alone is passed on once the next key shows it was no detach.
	typeIn(t, master, []byte{0x10, 'x', '\n'})
	out.waitFor(t, "\x10x\n")
	typeIn(t, master, []byte{0x10, 0x11})
	r := s.wait(t)
	if r.code != 0 {
		t.Errorf("detach: exit %d, want 0", r.code)
	}
	if after := termios(t, slave); *after != *before {
		t.Errorf("terminal not restored after detach:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestExecTTYExitCodeAndRestoreOnInterrupt(t *testing.T) {
	n := newStreamNode(t)
	master, slave := openPTY(t)
	before := termios(t, slave)
	readScreen(io.Discard, master)
	r := startBg(t, n.Endpoint, sessionIO{stdin: slave, stdout: slave, stderr: slave}, "cri", "exec", "-it", "nginx", "exit", "7").wait(t)
	if r.code != 7 {
		t.Errorf("exit %d, want the remote 7", r.code)
	}
	if after := termios(t, slave); *after != *before {
		t.Error("terminal not restored after the command exited")
	}

	s := startBg(t, n.Endpoint, sessionIO{stdin: slave, stdout: slave, stderr: slave}, "cri", "exec", "-it", "nginx", "sleep")
	deadline := time.Now().Add(10 * time.Second)
	for termios(t, slave).Lflag&unix.ICANON != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	if r := s.wait(t); r.code != cmdutil.ExitInterrupted {
		t.Errorf("interrupted: exit %d, want %d", r.code, cmdutil.ExitInterrupted)
	}
	if after := termios(t, slave); *after != *before {
		t.Error("terminal not restored after an interrupt")
	}
}

func TestExecWithFiltersPrintsCrictlHeaders(t *testing.T) {
	n := newStreamNode(t)
	// The running containers: nginx (ctrW) and postgres (ctrY), newest first.
	// crictl prints "FULLID:" alone on a line before each container's output.
	r := ctr(t, n.Endpoint, "cri", "exec", "--state", "running", "out", "hi", "err", "warn")
	wantOut := ctrY + ":\nhi\n" + ctrW + ":\nhi\n"
	if r.code != 0 || r.stdout != wantOut || r.stderr != "warn\nwarn\n" {
		t.Errorf("got stdout %q stderr %q\nwant %q and %q", r.stdout, r.stderr, wantOut, "warn\nwarn\n")
	}
	// One selected container still gets its header.
	r = ctr(t, n.Endpoint, "cri", "exec", "--name", "^nginx$", "out", "hi").ok(t)
	if r.stdout != ctrW+":\nhi\n" {
		t.Errorf("one match: stdout %q", r.stdout)
	}
	// -x and -q: no headers.
	for _, flag := range []string{"-x", "-q"} {
		r = ctr(t, n.Endpoint, "cri", "exec", flag, "--state", "running", "out", "hi").ok(t)
		if r.stdout != "hi\nhi\n" {
			t.Errorf("%s: stdout %q, want the bare outputs", flag, r.stdout)
		}
	}

	n.execSync = func(req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
		if req.ContainerId == ctrW {
			return &runtimeapi.ExecSyncResponse{ExitCode: 4}, nil
		}
		return &runtimeapi.ExecSyncResponse{Stdout: []byte("fine\n")}, nil
	}
	r = ctr(t, n.Endpoint, "cri", "exec", "-s", "--state", "running", "check")
	r.fails(t, 4, `exec in container "`+ctrW[:13]+`": command exited with code 4`)
	if r.stdout != ctrY+":\nfine\n"+ctrW+":\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	ctr(t, n.Endpoint, "cri", "exec", "-s", "-e", "--state", "running", "check").ok(t)
	// -e is honoured when the filters select one container, as crictl.
	ctr(t, n.Endpoint, "cri", "exec", "-s", "-e", "--name", "^nginx$", "check").ok(t)
	// --timeout without -s is accepted (and has no effect), as crictl.
	if r := ctr(t, n.Endpoint, "cri", "exec", "--timeout", "5", "nginx", "out", "hi").ok(t); r.stdout != "hi\n" {
		t.Errorf("exec --timeout without -s: %q", r.stdout)
	}
}

func TestExecBadInput(t *testing.T) {
	n := newStreamNode(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"exec", "nginx"}, "exec takes CONTAINER COMMAND [ARG...], got 1 argument"},
		{[]string{"exec", "--name", "n"}, "exec needs a command"},
		{[]string{"exec", "-s", "-t", "nginx", "sh"}, "-s runs the command without stdin or a terminal"},
		{[]string{"exec", "-it", "nginx", "sh"}, "-t needs a terminal on stdin"},
		{[]string{"exec", "--transport", "carrier-pigeon", "nginx", "sh"}, `invalid --transport "carrier-pigeon"`},
		{[]string{"exec", "--tls-cert", "c.pem", "nginx", "sh"}, "--tls-cert and --tls-key go together"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			n.RuntimeCalls()
			runIn(t, n.Endpoint, strings.NewReader(""), append([]string{"cri"}, tc.args...)...).fails(t, 2, tc.want)
			if calls := n.RuntimeCalls(); len(calls) != 0 {
				t.Errorf("made RPCs %v before rejecting the command line", calls)
			}
		})
	}
	ctr(t, n.Endpoint, "cri", "exec", "-i", "--state", "running", "cat").fails(t, 2, "-i and -t need exactly one container; the filters selected 2")
	ctr(t, n.Endpoint, "cri", "exec", "nosuch", "true").fails(t, 1, `container "nosuch": not found`)
	r := ctr(t, n.Endpoint, "cri", "exec", "nginx", "bogus").fails(t, 1, `exec in container "nginx" (`+ctrW[:13]+`): error executing command in container: fake: unknown command "bogus"`)
	if strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "Internal error occurred") {
		t.Errorf("a command the runtime cannot start: want one plain line, got %q", r.stderr)
	}
	ctr(t, n.Endpoint, "cri", "exec", "c3d4", "true").fails(t, 1, `container "c3d4": ambiguous`)
	ctr(t, n.Endpoint, "cri", "exec", "--name", "^zzz", "true").fails(t, 1, "exec: No containers found per filter flags")
}

func TestAttach(t *testing.T) {
	n := newStreamNode(t)
	r := runIn(t, n.Endpoint, strings.NewReader("input\n"), "cri", "attach", "-i", "nginx").ok(t)
	if r.stdout != "attached\ninput\n" {
		t.Errorf("stdout %q, want the container's output and stdin echoed", r.stdout)
	}
	n.RuntimeCalls()
	runIn(t, n.Endpoint, nil, "cri", "attach").fails(t, 2, "attach takes CONTAINER, got 0 arguments")
	runIn(t, n.Endpoint, nil, "cri", "attach", "nginx", "postgres").fails(t, 2, "attach takes CONTAINER, got 2 arguments")
	runIn(t, n.Endpoint, strings.NewReader(""), "cri", "attach", "-it", "nginx").fails(t, 2, "-t needs a terminal on stdin")
	if calls := n.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("made RPCs %v for bad command lines", calls)
	}
	ctr(t, n.Endpoint, "cri", "attach", "nosuch").fails(t, 1, `container "nosuch": not found`)
}

var forwardingRe = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)`)

func TestPortForwardForwardsSeveralPortsAndStopsOnInterrupt(t *testing.T) {
	n := newStreamNode(t)
	for _, transport := range []string{"spdy", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			n.RuntimeCalls()
			s := startBg(t, n.Endpoint, sessionIO{}, "cri", "port-forward", "--transport", transport, "shop/web", ":8080", "0:9090")
			out := s.stdout.waitFor(t, "-> 9090")
			ms := forwardingRe.FindAllStringSubmatch(out, -1)
			if len(ms) != 2 {
				t.Fatalf("want one 127.0.0.1 listener per port, got %q", out)
			}
			for _, m := range ms {
				c, err := net.Dial("tcp", "127.0.0.1:"+m[1])
				if err != nil {
					t.Fatal(err)
				}
				r := bufio.NewReader(c)
				if got := readLine(t, c, r); got != "port="+m[2]+"\n" {
					t.Errorf("local %s: pod side says %q, want port %s", m[1], got, m[2])
				}
				if _, err := c.Write([]byte("ping\n")); err != nil {
					t.Fatalf("local %s: %v", m[1], err)
				}
				if got := readLine(t, c, r); got != "ping\n" {
					t.Errorf("echo %q, want ping", got)
				}
				c.Close()
			}
			s.cancel()
			r := s.wait(t)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("after Ctrl-C: exit %d stderr %q, want a clean exit", r.code, r.stderr)
			}
			want := 1
			if transport == "websocket" {
				// The CRI server refuses SPDY-over-websocket; the single-use URL
				// is replaced before falling back to SPDY.
				want = 2
			}
			if got := n.count("PortForward"); got != want {
				t.Errorf("PortForward called %d times, want %d", got, want)
			}
			if _, err := net.Dial("tcp", "127.0.0.1:"+ms[0][1]); err == nil {
				t.Error("listener still open after port-forward ended")
			}
		})
	}
}

func TestPortForwardBadInput(t *testing.T) {
	n := newStreamNode(t)
	for _, args := range [][]string{{"port-forward", "web"}, {"port-forward", "web", "http"}, {"port-forward", "web", "1:2:3"}, {"port-forward", "web", "8080:0"}, {"port-forward", "web", "8080:80", "8080:81"}} {
		n.RuntimeCalls()
		ctr(t, n.Endpoint, append([]string{"cri"}, args...)...).fails(t, 2)
		if calls := n.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%v: made RPCs %v before rejecting the ports", args, calls)
		}
	}
	ctr(t, n.Endpoint, "cri", "port-forward", "nosuch", "80").fails(t, 1, `pod "nosuch": not found`)
	ctr(t, n.Endpoint, "cri", "port-forward", "web", "8080:80", ":81", "8080:82").fails(t, 2, "local port 8080 is given twice")
}

// A local port another program holds is reported on one line (both
// addresses' reasons), and the command fails when no port could be had.
func TestPortForwardBusyPortIsOneLine(t *testing.T) {
	n := newStreamNode(t)
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	if l6, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port)); err == nil {
		defer l6.Close()
	}
	r := ctr(t, n.Endpoint, "cri", "port-forward", "web", fmt.Sprintf("%d:80", port)).fails(t, 1, "unable to listen on any of the requested ports")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], fmt.Sprintf("unable to listen on port %d: ", port)) || !strings.Contains(lines[0], "address already in use") {
		t.Errorf("stderr should be the busy port on one line, then the failure; got %q", r.stderr)
	}
}

// A detach sequence split across reads is still recognised, and input that
// only starts like one is passed through intact.
func TestDetachReader(t *testing.T) {
	for _, tc := range []struct {
		chunks   []string
		want     string
		detached bool
	}{
		{[]string{"ab\x10", "\x11cd"}, "ab", true},
		{[]string{"ab\x10", "c"}, "ab\x10c", false},
		{[]string{"\x10\x10\x11"}, "\x10", true},
		{[]string{"x\x10"}, "x\x10", false},
	} {
		detached := false
		r := termui.NewDetachReader(&chunkReader{chunks: tc.chunks}, func() { detached = true })
		got, err := io.ReadAll(r)
		if err != nil || string(got) != tc.want || detached != tc.detached {
			t.Errorf("%q: got %q detached=%v err=%v; want %q detached=%v", tc.chunks, got, detached, err, tc.want, tc.detached)
		}
	}
}

type chunkReader struct{ chunks []string }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks = c.chunks[1:]
	return n, nil
}
