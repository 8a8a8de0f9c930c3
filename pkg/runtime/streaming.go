package runtime

import (
	"context"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Transports for exec, attach and port-forward sessions.
const (
	TransportSPDY      = "spdy"
	TransportWebSocket = "websocket"
)

// Transports lists the values --transport accepts.
var Transports = []string{TransportSPDY, TransportWebSocket}

// StreamConfig says how a session reaches the runtime's streaming server.
type StreamConfig struct {
	// Transport is spdy (the default) or websocket. With websocket, a server
	// that refuses the upgrade is retried over SPDY with a fresh URL, as the
	// CRI streaming server's URLs are single-use.
	Transport string
	TLS       TLSConfig
}

// TLSConfig verifies a streaming server that serves TLS. Empty means an
// unverified connection, as crictl does: containerd's server is plain HTTP
// on loopback by default.
type TLSConfig struct {
	ServerName, CAFile, CertFile, KeyFile string
}

// TerminalSize is a terminal's size in characters. The field names are
// the resize stream's JSON keys.
type TerminalSize struct {
	Width  uint16
	Height uint16
}

// TerminalSizeQueue yields terminal sizes; Next returns nil when done.
type TerminalSizeQueue interface {
	Next() *TerminalSize
}

// Streams are the local ends of an exec or attach session. A nil Stdin or
// Stderr is not requested from the runtime; with TTY, stderr is merged into
// stdout by the remote terminal.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	TTY    bool
	Resize TerminalSizeQueue
}

// ExitError is a remote command that ran and exited non-zero.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("command exited with code %d", e.Code) }

// ExitCode is the remote command's exit code.
func (e *ExitError) ExitCode() int { return e.Code }

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

// Exec runs cmd in a container over the runtime's streaming server. A
// non-zero remote exit is returned as *ExitError.
func (c *Client) Exec(ctx context.Context, id string, cmd []string, s Streams, cfg StreamConfig) error {
	const op = "exec in container"
	req := &runtimeapi.ExecRequest{
		ContainerId: id, Cmd: cmd, Tty: s.TTY,
		Stdin: s.Stdin != nil, Stdout: s.Stdout != nil, Stderr: s.Stderr != nil && !s.TTY,
	}
	getURL := func(ctx context.Context) (string, error) {
		resp, err := unary(ctx, c, op, id, func(ctx context.Context) (*runtimeapi.ExecResponse, error) {
			return c.rt.Exec(ctx, req)
		})
		return resp.GetUrl(), err
	}
	return c.stream(ctx, op, id, getURL, s, cfg)
}

// Attach connects to a running container's main process.
func (c *Client) Attach(ctx context.Context, id string, s Streams, cfg StreamConfig) error {
	const op = "attach to container"
	req := &runtimeapi.AttachRequest{
		ContainerId: id, Tty: s.TTY,
		Stdin: s.Stdin != nil, Stdout: s.Stdout != nil, Stderr: s.Stderr != nil && !s.TTY,
	}
	getURL := func(ctx context.Context) (string, error) {
		resp, err := unary(ctx, c, op, id, func(ctx context.Context) (*runtimeapi.AttachResponse, error) {
			return c.rt.Attach(ctx, req)
		})
		return resp.GetUrl(), err
	}
	return c.stream(ctx, op, id, getURL, s, cfg)
}
