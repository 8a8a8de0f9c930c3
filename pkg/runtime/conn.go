package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	introspection "github.com/containerd/containerd/api/services/introspection/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func connectParams() grpc.ConnectParams {
	return grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, MaxDelay: time.Second}, MinConnectTimeout: 2 * time.Second}
}

// unreachable explains a failed dial in one line.
func (c *Client) unreachable(op, id string, dialErr error) error {
	ep := c.runtimeEP
	var df *dialFailure
	if errors.As(dialErr, &df) {
		ep = df.endpoint
	}
	e := &Error{Kind: KindUnreachable, Op: op, ID: id, Endpoint: ep}
	path, _ := ParseEndpoint(ep)
	switch {
	case errors.Is(dialErr, fs.ErrNotExist):
		e.Err = fmt.Errorf("socket %s does not exist", path)
		e.Hint = "is containerd running? " + c.opts.Hints.Endpoint
		if ep != c.runtimeEP {
			e.Hint = "check the image endpoint: --image-endpoint/-i or IMAGE_SERVICE_ENDPOINT"
		}
	case errors.Is(dialErr, fs.ErrPermission):
		e.Err = fmt.Errorf("permission denied on %s", path)
		e.Hint = "try sudo"
	case errors.Is(dialErr, syscall.ECONNREFUSED):
		e.Err = fmt.Errorf("nothing is listening on %s", path)
		e.Hint = "is containerd running?"
	case errors.Is(dialErr, context.DeadlineExceeded):
		e.Err = fmt.Errorf("could not connect to %s within the connect timeout", path)
	default:
		if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket == 0 {
			e.Err = fmt.Errorf("%s is not a socket", path)
		} else {
			e.Err = fmt.Errorf("connect to %s: %v", path, dialErr)
		}
	}
	return e
}

// notServed finds out why a gRPC server does not serve runtime.v1: a
// containerd whose CRI plugin is off, a runtime that only speaks v1alpha2,
// or something else entirely.
func (c *Client) notServed(op, id string) error {
	e := &Error{Kind: KindNotServed, Op: op, ID: id, Endpoint: c.runtimeEP}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	resp, err := introspection.NewIntrospectionClient(c.conn).Plugins(ctx, &introspection.PluginsRequest{
		Filters: []string{`type=="io.containerd.grpc.v1",id=="cri"`},
	})
	if err == nil {
		for _, p := range resp.Plugins {
			if p.InitErr != nil {
				e.Err = fmt.Errorf("the CRI plugin of this containerd failed to start: %s", p.InitErr.Message)
				e.Hint = "see containerd's log"
				return e
			}
		}
		e.Err = errors.New("the CRI plugin is disabled in this containerd (disabled_plugins)")
		e.Hint = "remove \"io.containerd.grpc.v1.cri\" from disabled_plugins in containerd's config and restart it"
		return e
	}
	// runtime.v1alpha2 VersionRequest has the same wire format as v1's.
	var vr runtimeapi.VersionResponse
	if err := c.conn.Invoke(ctx, "/runtime.v1alpha2.RuntimeService/Version", &runtimeapi.VersionRequest{Version: "v1alpha2"}, &vr); err == nil {
		e.Err = fmt.Errorf("CRI v1 not served: runtime too old (%s %s speaks only v1alpha2)", vr.RuntimeName, vr.RuntimeVersion)
		return e
	}
	e.Err = fmt.Errorf("%s answers gRPC but serves neither CRI v1 nor containerd", c.runtimeEP)
	return e
}
