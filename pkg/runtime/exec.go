package runtime

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ExecSync runs cmd in a container and waits for it. timeout bounds the
// command (0: no limit); the RPC gets the per-RPC budget on top of it. A
// non-zero exit is not an error here: it is in the response.
func (c *Client) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) (*runtimeapi.ExecSyncResponse, error) {
	const op = "exec in container"
	req := &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: cmd, Timeout: int64(timeout / time.Second)}
	if timeout <= 0 {
		// No deadline: the command may run as long as it likes; the caller's
		// context (Ctrl-C) ends it.
		resp, err := c.rt.ExecSync(ctx, req)
		if err != nil {
			return nil, c.wrap(ctx, op, id, err)
		}
		return resp, nil
	}
	budget := timeout + c.opts.Timeout
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	resp, err := c.rt.ExecSync(cctx, req)
	if err != nil {
		// The runtime answering DeadlineExceeded before our own budget ran out
		// means the command hit --timeout, not that the runtime is stuck.
		if cctx.Err() == nil && status.Code(err) == codes.DeadlineExceeded {
			return nil, &Error{Kind: KindFailed, Op: op, ID: id, Err: fmt.Errorf("command did not finish within %s", timeout)}
		}
		return nil, c.wrap(context.WithValue(ctx, budgetKey{}, budget), op, id, err)
	}
	return resp, nil
}

// ExecURL asks the runtime where to stream an exec session (package stream
// speaks the protocol).
func (c *Client) ExecURL(ctx context.Context, op string, req *runtimeapi.ExecRequest) (string, error) {
	resp, err := unary(ctx, c, op, req.GetContainerId(), func(ctx context.Context) (*runtimeapi.ExecResponse, error) {
		return c.rt.Exec(ctx, req)
	})
	return resp.GetUrl(), err
}

// AttachURL asks the runtime where to stream an attach session.
func (c *Client) AttachURL(ctx context.Context, op string, req *runtimeapi.AttachRequest) (string, error) {
	resp, err := unary(ctx, c, op, req.GetContainerId(), func(ctx context.Context) (*runtimeapi.AttachResponse, error) {
		return c.rt.Attach(ctx, req)
	})
	return resp.GetUrl(), err
}

// PortForwardURL asks the runtime where to stream a pod's port-forward.
func (c *Client) PortForwardURL(ctx context.Context, op, podID string) (string, error) {
	resp, err := unary(ctx, c, op, podID, func(ctx context.Context) (*runtimeapi.PortForwardResponse, error) {
		return c.rt.PortForward(ctx, &runtimeapi.PortForwardRequest{PodSandboxId: podID})
	})
	return resp.GetUrl(), err
}
