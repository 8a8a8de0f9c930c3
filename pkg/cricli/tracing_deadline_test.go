package cricli

import (
	"net"
	"testing"
	"time"
)

// R9: ctr --timeout bounds everything the command does, the trace export
// to a collector that accepts and never answers included, even when
// cri's per-call -t is longer.
func TestCtrTimeoutBoundsTraceExport(t *testing.T) {
	s := node(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: holds the connection, says nothing
		}
	}()
	start := time.Now()
	ctr(t, s.Endpoint, "--timeout", "1s", "cri", "-t", "20s", "--enable-tracing", "--tracing-endpoint", l.Addr().String(), "version").ok(t)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("ctr --timeout 1s took %s with a silent collector", took)
	}
}
