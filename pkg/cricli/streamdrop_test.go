package cricli

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// dropMarker in what the streaming server sends makes dropListener cut the
// connection right after it, as a containerd killed mid-command would.
const dropMarker = "DROP-CONNECTION"

type dropListener struct{ net.Listener }

func (l dropListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &dropConn{Conn: c}, nil
}

type dropConn struct{ net.Conn }

func (c *dropConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if bytes.Contains(b, []byte(dropMarker)) {
		c.Close()
	}
	return n, err
}

// F4: a session that loses its connection before the exit status is a
// failure (exit 3, one line), never exit 0 with truncated output.
func TestStreamingSessionWithoutExitStatusFails(t *testing.T) {
	n := newStreamNode(t)
	for _, args := range [][]string{
		{"exec", "--transport", "spdy", "nginx", "out", "partial", "out", dropMarker, "sleep"},
		{"exec", "--transport", "websocket", "nginx", "out", "partial", "out", dropMarker, "sleep"},
		{"exec", "-i", "nginx", "out", "partial", "out", dropMarker, "sleep"},
		{"attach", "-i", "nginx"},
	} {
		r := runIn(t, n.Endpoint, strings.NewReader(dropMarker+"\n"), append([]string{"cri"}, args...)...)
		if r.code != cmdutil.ExitUnreachable {
			t.Errorf("%v: exit %d, want %d (stdout %q, stderr %q)", args, r.code, ExitUnreachable, r.stdout, r.stderr)
		}
		if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "without the command's exit status") {
			t.Errorf("%v: stderr %q, want one line saying the exit status was lost", args, r.stderr)
		}
	}
}

// F4 with a terminal: exec -it that loses its connection fails (exit 3,
// one line) and gives the terminal back as it was.
func TestInteractiveTTYSessionWithoutExitStatusFails(t *testing.T) {
	n := newStreamNode(t)
	master, slave := openPTY(t)
	before := termios(t, slave)
	out := &syncBuffer{}
	readScreen(out, master)
	errb := &syncBuffer{}
	r := startBg(t, n.Endpoint, sessionIO{stdin: slave, stdout: slave, stderr: errb}, "cri", "exec", "-it", "nginx", "out", "partial", "out", dropMarker, "sleep").wait(t)
	if r.code != cmdutil.ExitUnreachable || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "without the command's exit status") {
		t.Errorf("exec -it: exit %d stderr %q; want %d and one line saying the exit status was lost", r.code, errb.String(), ExitUnreachable)
	}
	if after := termios(t, slave); *after != *before {
		t.Errorf("terminal not restored:\nbefore %+v\nafter  %+v", before, after)
	}
}
