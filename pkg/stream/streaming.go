// Package stream speaks the streaming protocols (SPDY and WebSocket) of a
// runtime's streaming server for exec, attach and port-forward; package
// runtime asks CRI for the session URLs. It never prints.
package stream

import (
	"context"
	"fmt"
	"io"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Transports for exec, attach and port-forward sessions.
const (
	TransportSPDY      = "spdy"
	TransportWebSocket = "websocket"
)

// Transports lists the values --transport accepts.
var Transports = []string{TransportSPDY, TransportWebSocket}

// Config says how a session reaches the runtime's streaming server.
type Config struct {
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

// Exec runs cmd in a container over the runtime's streaming server. A
// non-zero remote exit is returned as *ExitError.
func Exec(ctx context.Context, c *runtime.Client, id string, cmd []string, s Streams, cfg Config) error {
	const op = "exec in container"
	req := &runtimeapi.ExecRequest{
		ContainerId: id, Cmd: cmd, Tty: s.TTY,
		Stdin: s.Stdin != nil, Stdout: s.Stdout != nil, Stderr: s.Stderr != nil && !s.TTY,
	}
	getURL := func(ctx context.Context) (string, error) { return c.ExecURL(ctx, op, req) }
	return session(ctx, op, id, getURL, s, cfg)
}

// Attach connects to a running container's main process.
func Attach(ctx context.Context, c *runtime.Client, id string, s Streams, cfg Config) error {
	const op = "attach to container"
	req := &runtimeapi.AttachRequest{
		ContainerId: id, Tty: s.TTY,
		Stdin: s.Stdin != nil, Stdout: s.Stdout != nil, Stderr: s.Stderr != nil && !s.TTY,
	}
	getURL := func(ctx context.Context) (string, error) { return c.AttachURL(ctx, op, req) }
	return session(ctx, op, id, getURL, s, cfg)
}
