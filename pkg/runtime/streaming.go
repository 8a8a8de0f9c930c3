package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apihttpstream "k8s.io/apimachinery/pkg/util/httpstream"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/klog/v2"
	streamhttp "k8s.io/streaming/pkg/httpstream"
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

// TerminalSize is a terminal's size in characters.
type TerminalSize = remotecommand.TerminalSize

// TerminalSizeQueue yields terminal sizes; Next returns nil when done.
type TerminalSizeQueue = remotecommand.TerminalSizeQueue

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

func (c *Client) stream(ctx context.Context, op, id string, getURL func(context.Context) (string, error), s Streams, cfg StreamConfig) error {
	rc, err := restConfig(cfg.TLS)
	if err != nil {
		return &Error{Kind: KindInvalid, Op: op, ID: id, Err: err}
	}
	opts := remotecommand.StreamOptions{Stdin: s.Stdin, Stdout: s.Stdout, Tty: s.TTY, TerminalSizeQueue: s.Resize}
	if !s.TTY {
		opts.Stderr = s.Stderr
	}
	// client-go logs through the context's logger; keep its chatter off
	// the user's terminal: failures come back as errors.
	ctx = klog.NewContext(ctx, logr.Discard())
	run := func(transport string) error {
		raw, err := getURL(ctx)
		if err != nil {
			return err
		}
		u, err := streamingURL(raw)
		if err != nil {
			return &Error{Kind: KindFailed, Op: op, ID: id, Err: err}
		}
		var ex remotecommand.Executor
		if transport == TransportWebSocket {
			// v4 is what the CRI streaming server (kubelet's, containerd's)
			// speaks over websockets; v5 adds stdin half-close.
			ex, err = remotecommand.NewWebSocketExecutorForProtocols(rc, http.MethodGet, u.String(),
				remotecommandconsts.StreamProtocolV5Name, remotecommandconsts.StreamProtocolV4Name)
		} else {
			ex, err = remotecommand.NewSPDYExecutor(rc, http.MethodPost, u)
		}
		if err != nil {
			return &Error{Kind: KindFailed, Op: op, ID: id, Err: err}
		}
		return ex.StreamWithContext(ctx, opts)
	}
	err = run(cfg.Transport)
	if cfg.Transport == TransportWebSocket && isUpgradeFailure(err) {
		err = run(TransportSPDY)
	}
	return streamError(ctx, op, id, err)
}

// streamError maps what client-go returns: the remote exit code, the
// caller's cancellation, or a failure of the session itself.
func streamError(ctx context.Context, op, id string, err error) error {
	if err == nil {
		return nil
	}
	var rerr *Error
	if errors.As(err, &rerr) {
		return err
	}
	var ee utilexec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.ExitStatus()}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The streaming server reports failures as a Kubernetes status whose
	// "Internal error occurred: " adds nothing for the user.
	return &Error{Kind: KindFailed, Op: op, ID: id, Err: errors.New(strings.TrimPrefix(err.Error(), "Internal error occurred: "))}
}

func isUpgradeFailure(err error) bool {
	return streamhttp.IsUpgradeFailure(err) || apihttpstream.IsUpgradeFailure(err) ||
		streamhttp.IsHTTPSProxyError(err)
}

// streamingURL completes a URL the runtime returned, as kubelet would: a
// runtime may hand out a bare path on kubelet's streaming address.
func streamingURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("the runtime returned no streaming URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad streaming URL from the runtime: %v", err)
	}
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	if u.Host == "" {
		u.Host = "127.0.0.1:10250"
	}
	return u, nil
}

func restConfig(tls TLSConfig) (*rest.Config, error) {
	cfg := &rest.Config{TLSClientConfig: rest.TLSClientConfig{
		ServerName: tls.ServerName, CAFile: tls.CAFile, CertFile: tls.CertFile, KeyFile: tls.KeyFile,
	}}
	if tls.CAFile == "" && tls.CertFile == "" && tls.KeyFile == "" {
		cfg.TLSClientConfig = rest.TLSClientConfig{Insecure: true}
		return cfg, nil
	}
	if (tls.CertFile == "") != (tls.KeyFile == "") {
		return nil, errors.New("TLS streaming needs both a certificate and its key")
	}
	return cfg, nil
}

// PortForwarder forwards local ports on localhost to ports inside a pod's
// network namespace. The port specs are checked when it is built, before
// any RPC.
type PortForwarder struct {
	dialer *pfDialer
	pf     *portforward.PortForwarder
	// Ready is closed once every listener is up.
	Ready chan struct{}
}

// NewPortForwarder validates ports ("[LOCAL:]REMOTE", LOCAL 0 or empty for
// any free port) and prepares listeners on 127.0.0.1 and ::1. It runs until
// ctx ends. Progress lines go to out; per-connection errors, one line each,
// to errOut.
func NewPortForwarder(ctx context.Context, ports []string, cfg StreamConfig, out, errOut io.Writer) (*PortForwarder, error) {
	const op = "port-forward"
	rc, err := restConfig(cfg.TLS)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Op: op, Err: err}
	}
	d := &pfDialer{cfg: cfg, rc: rc}
	ctx = klog.NewContext(ctx, logr.New(&lineSink{w: errOut}))
	ready := make(chan struct{})
	pf, err := portforward.NewOnAddressesWithContext(ctx, d, []string{"localhost"}, ports, ready, out, errOut)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Op: op, Err: err}
	}
	return &PortForwarder{dialer: d, pf: pf, Ready: ready}, nil
}

// Run asks the runtime for the pod's port-forward URL, connects and serves
// until the forwarder's context ends (nil) or the connection to the pod is
// lost (an error).
func (p *PortForwarder) Run(ctx context.Context, c *Client, podID string) error {
	const op = "port-forward to pod"
	p.dialer.getURL = func() (*url.URL, error) {
		resp, err := unary(ctx, c, op, podID, func(ctx context.Context) (*runtimeapi.PortForwardResponse, error) {
			return c.rt.PortForward(ctx, &runtimeapi.PortForwardRequest{PodSandboxId: podID})
		})
		if err != nil {
			return nil, err
		}
		u, err := streamingURL(resp.GetUrl())
		if err != nil {
			return nil, &Error{Kind: KindFailed, Op: op, ID: podID, Err: err}
		}
		return u, nil
	}
	// Ask once up front so that RPC failures keep their type and message.
	u, err := p.dialer.getURL()
	if err != nil {
		return err
	}
	p.dialer.first = u
	err = p.pf.ForwardPorts()
	if err == nil || ctx.Err() != nil {
		return nil
	}
	var rerr *Error
	if errors.As(err, &rerr) {
		return err
	}
	return &Error{Kind: KindFailed, Op: op, ID: podID, Err: errors.New(strings.TrimPrefix(err.Error(), "error upgrading connection: "))}
}

// pfDialer dials the pod's port-forward URL; over websocket it falls back to
// SPDY with a fresh URL when the server refuses the upgrade.
type pfDialer struct {
	cfg    StreamConfig
	rc     *rest.Config
	first  *url.URL
	getURL func() (*url.URL, error)
}

func (d *pfDialer) url() (*url.URL, error) {
	if u := d.first; u != nil {
		d.first = nil
		return u, nil
	}
	return d.getURL()
}

func (d *pfDialer) Dial(protocols ...string) (apihttpstream.Connection, string, error) {
	u, err := d.url()
	if err != nil {
		return nil, "", err
	}
	if d.cfg.Transport == TransportWebSocket {
		wd, err := portforward.NewSPDYOverWebsocketDialer(u, d.rc)
		if err != nil {
			return nil, "", err
		}
		conn, proto, err := wd.Dial(protocols...)
		if !isUpgradeFailure(err) {
			return conn, proto, err
		}
		if u, err = d.getURL(); err != nil {
			return nil, "", err
		}
	}
	tr, upgrader, err := spdy.RoundTripperFor(d.rc)
	if err != nil {
		return nil, "", err
	}
	return spdy.NewDialer(upgrader, &http.Client{Transport: tr}, http.MethodPost, u).Dial(protocols...)
}

// lineSink turns client-go's error logs into one plain line each; its
// informational logs are dropped.
type lineSink struct{ w io.Writer }

func (s *lineSink) Init(logr.RuntimeInfo)          {}
func (s *lineSink) Enabled(int) bool               { return false }
func (s *lineSink) Info(int, string, ...any)       {}
func (s *lineSink) WithValues(...any) logr.LogSink { return s }
func (s *lineSink) WithName(string) logr.LogSink   { return s }
func (s *lineSink) Error(err error, msg string, kv ...any) {
	if s.w == nil {
		return
	}
	var ports []string
	for i := 0; i+1 < len(kv); i += 2 {
		switch kv[i] {
		case "localPort":
			ports = append(ports, fmt.Sprintf("local %v", kv[i+1]))
		case "remotePort":
			ports = append(ports, fmt.Sprintf("remote %v", kv[i+1]))
		}
	}
	line := msg
	if line != "" {
		line = strings.ToLower(line[:1]) + line[1:]
	}
	if len(ports) > 0 {
		line += " (" + strings.Join(ports, ", ") + ")"
	}
	if err != nil {
		line += ": " + strings.TrimSpace(err.Error())
	}
	fmt.Fprintln(s.w, "port-forward: "+line)
}
