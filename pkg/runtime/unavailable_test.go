package runtime

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// R10: a runtime that answered and then went away (containerd stopped or
// restarting under a watch) is not asked "is it a containerd/CRI socket?";
// a socket that never spoke gRPC still is.
func TestUnavailableHints(t *testing.T) {
	t.Parallel()
	c := &Client{runtimeEP: "unix:///run/x.sock"}
	c.opts.Hints.Endpoint = "try --address"
	for _, tc := range []struct {
		msg, want, not string
	}{
		{"error reading from server: EOF", "the runtime closed the connection (stopped or restarting?)", "is it a containerd/CRI socket?"},
		{"connection error: desc = \"transport: Error while dialing: connection reset by peer\"", "stopped or restarting?", "is it a containerd/CRI socket?"},
		{"connection error: desc = \"error reading server preface: http2: frame too large\"", "is it a containerd/CRI socket?", "restarting"},
	} {
		err := c.wrap(context.Background(), "events", "", status.Error(codes.Unavailable, tc.msg))
		if KindOf(err) != KindUnreachable || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.not) {
			t.Errorf("%q: %v", tc.msg, err)
		}
	}
}
