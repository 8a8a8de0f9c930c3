package cricli

import (
	"bytes"
	"net"
	"strings"
	"testing"
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
		c.Conn.Close()
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
		if r.code != ExitUnreachable {
			t.Errorf("%v: exit %d, want %d (stdout %q, stderr %q)", args, r.code, ExitUnreachable, r.stdout, r.stderr)
		}
		if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "without the command's exit status") {
			t.Errorf("%v: stderr %q, want one line saying the exit status was lost", args, r.stderr)
		}
	}
}
