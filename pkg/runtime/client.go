// Package runtime is the CRI client layer of ctr cri: one gRPC connection to
// the runtime's socket serving RuntimeService and ImageService, ID and name
// resolution, filters and typed errors. It never prints.
package runtime

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Defaults for RPC budgets; list and pull calls move more data than a
// status call and get the larger one.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultListTimeout = 30 * time.Second
	// maxMsgSize matches kubelet's limit so that nodes with many thousands of
	// containers can still be listed in one call.
	maxMsgSize = 16 << 20
)

// TraceFunc observes every RPC; --debug uses it. It must not retain req/resp.
type TraceFunc func(method string, req, resp any, err error, took time.Duration)

// Options configure a Client.
type Options struct {
	RuntimeEndpoint string
	ImageEndpoint   string // empty means RuntimeEndpoint
	Timeout         time.Duration
	ListTimeout     time.Duration
	ConnectTimeout  time.Duration
	Trace           TraceFunc
	// MaxRetries is crictl's --max-retries: how often to try again, with
	// exponential backoff, while the endpoint cannot be reached at all
	// (0: never, negative: until the command's context ends). Only an RPC
	// on a connection that never came up is retried.
	MaxRetries int
	// StatsHandler, when set, observes every RPC (the OpenTelemetry
	// instrumentation of --enable-tracing).
	StatsHandler stats.Handler
	// Hints name the flags that fix a connection problem, in the words of
	// the personality the user typed (ctr cri or crictl).
	Hints Hints
}

// Hints complete error messages with the flags a user can change.
type Hints struct {
	Endpoint string // how to name another socket
	Timeout  string // the flag that raises the per-RPC limit
}

// DefaultHints are ctr cri's.
var DefaultHints = Hints{
	Endpoint: "point ctr at it with --address, or set ctr cri -r/CONTAINER_RUNTIME_ENDPOINT",
	Timeout:  "ctr cri --timeout/-t",
}

type deadlineNameKey struct{}

// namedDeadline is a labelled deadline and when it fires.
type namedDeadline struct {
	name string
	at   time.Time
}

// WithDeadlineName labels the deadline already on ctx (ctr --timeout), so
// an error caused by it names that deadline rather than the per-RPC one.
func WithDeadlineName(ctx context.Context, name string) context.Context {
	at, _ := ctx.Deadline()
	return context.WithValue(ctx, deadlineNameKey{}, namedDeadline{name, at})
}

// Client talks CRI v1 to one runtime. Creating it performs no I/O: the first
// real call reports connection problems.
type Client struct {
	opts      Options
	runtimeEP string
	imageEP   string
	conn      *grpc.ClientConn
	imgConn   *grpc.ClientConn
	rt        runtimeapi.RuntimeServiceClient
	img       runtimeapi.ImageServiceClient
	dialErr   atomic.Pointer[dialFailure]
	connected atomic.Bool
}

// New returns a Client for opts without dialing.
func New(opts Options) (*Client, error) {
	if opts.ImageEndpoint == "" {
		opts.ImageEndpoint = opts.RuntimeEndpoint
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Hints.Endpoint == "" {
		opts.Hints.Endpoint = DefaultHints.Endpoint
	}
	if opts.Hints.Timeout == "" {
		opts.Hints.Timeout = DefaultHints.Timeout
	}
	if opts.ListTimeout <= 0 {
		opts.ListTimeout = max(opts.Timeout, DefaultListTimeout)
	}
	c := &Client{opts: opts, runtimeEP: opts.RuntimeEndpoint, imageEP: opts.ImageEndpoint}
	var err error
	if c.conn, err = c.dial(opts.RuntimeEndpoint); err != nil {
		return nil, err
	}
	c.imgConn = c.conn
	if opts.ImageEndpoint != opts.RuntimeEndpoint {
		if c.imgConn, err = c.dial(opts.ImageEndpoint); err != nil {
			c.conn.Close()
			return nil, err
		}
	}
	c.rt = runtimeapi.NewRuntimeServiceClient(c.conn)
	c.img = runtimeapi.NewImageServiceClient(c.imgConn)
	return c, nil
}

func (c *Client) dial(endpoint string) (*grpc.ClientConn, error) {
	path, err := ParseEndpoint(endpoint)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Op: "connect", Err: err}
	}
	dialer := func(ctx context.Context, _ string) (net.Conn, error) {
		if c.opts.ConnectTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.opts.ConnectTimeout)
			defer cancel()
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", path)
		if err != nil {
			c.dialErr.Store(&dialFailure{endpoint: endpoint, err: err})
			return nil, err
		}
		c.dialErr.Store(nil)
		c.connected.Store(true)
		return conn, nil
	}
	dopts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(dialer),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)),
		// A local socket needs no retries with backoff: fail on the first try.
		grpc.WithConnectParams(connectParams()),
		// Large windows let a 10,000-container listing arrive in one burst
		// instead of trickling through 64 KiB flow-control round trips.
		grpc.WithInitialWindowSize(maxMsgSize),
		grpc.WithInitialConnWindowSize(maxMsgSize),
	}
	if c.opts.StatsHandler != nil {
		dopts = append(dopts, grpc.WithStatsHandler(c.opts.StatsHandler))
	}
	if c.opts.Trace != nil {
		dopts = append(dopts, grpc.WithChainUnaryInterceptor(c.traceUnary))
	}
	return grpc.NewClient("passthrough:///cri", dopts...)
}

func (c *Client) traceUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	start := time.Now()
	err := invoker(ctx, method, req, reply, cc, opts...)
	c.opts.Trace(method, req, reply, err, time.Since(start))
	return err
}

// Close releases the connections.
func (c *Client) Close() error {
	err := c.conn.Close()
	if c.imgConn != c.conn {
		err = errors.Join(err, c.imgConn.Close())
	}
	return err
}

// Conn is the runtime connection. On containerd it also serves containerd's
// own API, which the ctr-only commands use.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// RuntimeEndpoint is the endpoint RuntimeService calls go to.
func (c *Client) RuntimeEndpoint() string { return c.runtimeEP }

// Runtime exposes the raw RuntimeService for streaming calls.
func (c *Client) Runtime() runtimeapi.RuntimeServiceClient { return c.rt }

// Images exposes the raw ImageService.
func (c *Client) Images() runtimeapi.ImageServiceClient { return c.img }

// Timeout is the per-RPC budget.
func (c *Client) Timeout() time.Duration { return c.opts.Timeout }

// dialFailure is a failed dial and the endpoint it was for: with separate
// runtime and image endpoints, the message must name the one that failed.
type dialFailure struct {
	endpoint string
	err      error
}

func (d *dialFailure) Error() string { return d.err.Error() }
func (d *dialFailure) Unwrap() error { return d.err }

func (c *Client) lastDialError() error {
	if p := c.dialErr.Load(); p != nil {
		return p
	}
	return nil
}

type budgetKey struct{}

func (c *Client) timeoutFor(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(budgetKey{}).(time.Duration); ok {
		return d
	}
	return c.opts.Timeout
}

// Retry backoff, as crictl's: 0.5 s, doubling, at most 5 s between tries.
const (
	retryDelay    = 500 * time.Millisecond
	maxRetryDelay = 5 * time.Second
)

// call runs one unary RPC under the per-call budget and wraps its error,
// retrying an unreachable endpoint as Options.MaxRetries says.
func call[T any](ctx context.Context, c *Client, budget time.Duration, op, id string, f func(context.Context) (T, error)) (T, error) {
	delay := retryDelay
	for attempt := 0; ; attempt++ {
		res, err := callOnce(ctx, c, budget, op, id, f)
		if err == nil || KindOf(err) != KindUnreachable || c.connected.Load() ||
			c.opts.MaxRetries >= 0 && attempt >= c.opts.MaxRetries {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(delay):
		}
		delay = min(2*delay, maxRetryDelay)
		// Dial again now, not when gRPC's own backoff says so.
		c.conn.ResetConnectBackoff()
		if c.imgConn != c.conn {
			c.imgConn.ResetConnectBackoff()
		}
	}
}

func callOnce[T any](ctx context.Context, c *Client, budget time.Duration, op, id string, f func(context.Context) (T, error)) (T, error) {
	ctx = context.WithValue(ctx, budgetKey{}, budget)
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	res, err := f(cctx)
	if err != nil {
		if cctx.Err() == context.DeadlineExceeded {
			// Our budget ran out, whatever the server said as it gave up.
			err = context.DeadlineExceeded
		}
		var zero T
		return zero, c.wrap(ctx, op, id, err)
	}
	return res, nil
}

// unary is call with the default budget.
func unary[T any](ctx context.Context, c *Client, op, id string, f func(context.Context) (T, error)) (T, error) {
	return call(ctx, c, c.opts.Timeout, op, id, f)
}

// list is call with the list budget.
func list[T any](ctx context.Context, c *Client, op string, f func(context.Context) (T, error)) (T, error) {
	return call(ctx, c, c.opts.ListTimeout, op, "", f)
}

// Version returns the runtime's name and versions.
func (c *Client) Version(ctx context.Context) (*runtimeapi.VersionResponse, error) {
	return unary(ctx, c, "version", "", func(ctx context.Context) (*runtimeapi.VersionResponse, error) {
		return c.rt.Version(ctx, &runtimeapi.VersionRequest{Version: "v1"})
	})
}

// Status returns runtime conditions and, with verbose, the runtime's info map.
func (c *Client) Status(ctx context.Context, verbose bool) (*runtimeapi.StatusResponse, error) {
	return unary(ctx, c, "status", "", func(ctx context.Context) (*runtimeapi.StatusResponse, error) {
		return c.rt.Status(ctx, &runtimeapi.StatusRequest{Verbose: verbose})
	})
}

// RuntimeConfig returns the runtime's configuration (cgroup driver).
func (c *Client) RuntimeConfig(ctx context.Context) (*runtimeapi.RuntimeConfigResponse, error) {
	return unary(ctx, c, "runtime config", "", func(ctx context.Context) (*runtimeapi.RuntimeConfigResponse, error) {
		r, err := c.rt.RuntimeConfig(ctx, &runtimeapi.RuntimeConfigRequest{})
		return r, unimplemented(err, "runtime config", "RuntimeConfig", "containerd serves it from 2.0")
	})
}

// ImageFsInfo returns image and container filesystem usage.
func (c *Client) ImageFsInfo(ctx context.Context) (*runtimeapi.ImageFsInfoResponse, error) {
	return unary(ctx, c, "image filesystem info", "", func(ctx context.Context) (*runtimeapi.ImageFsInfoResponse, error) {
		return c.img.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
	})
}
