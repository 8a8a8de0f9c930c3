package cricli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// hungEndpoint serves gRPC that accepts every call and never answers.
func hungEndpoint(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hung")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "h.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, s grpc.ServerStream) error {
		<-s.Context().Done()
		return s.Context().Err()
	}))
	serveBg(t, func() error { return srv.Serve(l) })
	t.Cleanup(func() { srv.Stop(); os.RemoveAll(dir) })
	return "unix://" + l.Addr().String()
}

// F29: pull (no --pull-timeout by default) and events wait on the runtime
// by design; ctr's global --timeout bounds any command, as the docs say.
func TestGlobalTimeoutBoundsCommandsThatWait(t *testing.T) {
	ep := hungEndpoint(t)
	for _, args := range [][]string{
		{"--timeout", "1s", "cri", "pull", "busybox"},
		{"--timeout", "1s", "cri", "events"},
		{"--timeout", "1s", "cri", "logs", "-f", "abc"},
	} {
		start := time.Now()
		r := ctr(t, ep, args...)
		d := time.Since(start)
		// The exit code is the error classification's business (events
		// says 1 today); what is asserted here is the bound.
		if r.code == 0 || d > 5*time.Second || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v against a runtime that never answers: exit %d after %v, stderr %q; want a failure within seconds", args, r.code, d.Round(time.Millisecond), r.stderr)
		}
	}
}
