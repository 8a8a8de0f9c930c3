package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	streamhttp "k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// errLostConnection is a port-forward whose connection to the pod ended
// while nobody asked it to stop.
var errLostConnection = errors.New("lost connection to pod")

type forwardedPort struct{ local, remote uint16 }

// PortForwarder forwards local ports on localhost to ports inside a pod's
// network namespace. The port specs are checked when it is built, before
// any RPC.
type PortForwarder struct {
	ctx         context.Context
	ports       []forwardedPort
	tls         *tls.Config
	transport   string
	out, errOut io.Writer
	requestID   atomic.Int64
	// Ready is closed once every listener is up.
	Ready chan struct{}
}

// NewPortForwarder validates ports ("[LOCAL:]REMOTE", LOCAL 0 or empty for
// any free port) and prepares listeners on 127.0.0.1 and ::1. It runs until
// ctx ends. Progress lines go to out; per-connection errors, one line each,
// to errOut.
func NewPortForwarder(ctx context.Context, ports []string, cfg Config, out, errOut io.Writer) (*PortForwarder, error) {
	const op = "port-forward"
	tc, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, &runtime.Error{Kind: runtime.KindInvalid, Op: op, Err: err}
	}
	if len(ports) == 0 {
		return nil, &runtime.Error{Kind: runtime.KindInvalid, Op: op, Err: errors.New("no ports to forward")}
	}
	p := &PortForwarder{ctx: ctx, tls: tc, transport: cfg.Transport, out: out, errOut: errOut, Ready: make(chan struct{})}
	given := map[uint16]bool{}
	for _, spec := range ports {
		fp, err := parsePortSpec(spec)
		if err != nil {
			return nil, &runtime.Error{Kind: runtime.KindInvalid, Op: op, Err: err}
		}
		// The second listen would fail with "address already in use",
		// which reads like another program holds the port.
		if fp.local != 0 && given[fp.local] {
			return nil, &runtime.Error{Kind: runtime.KindInvalid, Op: op, Err: fmt.Errorf("local port %d is given twice", fp.local)}
		}
		given[fp.local] = true
		p.ports = append(p.ports, fp)
	}
	return p, nil
}

func parsePortSpec(spec string) (forwardedPort, error) {
	local, remote, found := strings.Cut(spec, ":")
	if !found {
		local = spec
	} else if strings.Contains(remote, ":") {
		return forwardedPort{}, fmt.Errorf("invalid port %q: want [LOCAL:]REMOTE", spec)
	}
	if !found {
		remote = spec
	}
	var fp forwardedPort
	if local != "" {
		n, err := strconv.ParseUint(local, 10, 16)
		if err != nil {
			return fp, fmt.Errorf("invalid local port in %q: want a number from 0 to 65535", spec)
		}
		fp.local = uint16(n)
	}
	n, err := strconv.ParseUint(remote, 10, 16)
	if err != nil || n == 0 {
		return fp, fmt.Errorf("invalid remote port in %q: want a number from 1 to 65535", spec)
	}
	fp.remote = uint16(n)
	return fp, nil
}

// Run asks the runtime for the pod's port-forward URL, connects and serves
// until the forwarder's context ends (nil) or the connection to the pod is
// lost (an error).
func (p *PortForwarder) Run(ctx context.Context, c *runtime.Client, podID string) error {
	const op = "port-forward to pod"
	getURL := func() (*url.URL, error) {
		raw, err := c.PortForwardURL(ctx, op, podID)
		if err != nil {
			return nil, err
		}
		u, err := streamingURL(raw)
		if err != nil {
			return nil, &runtime.Error{Kind: runtime.KindFailed, Op: op, ID: podID, Err: err}
		}
		return u, nil
	}
	err := p.serve(getURL)
	if err == nil || p.ctx.Err() != nil || ctx.Err() != nil {
		return nil
	}
	var rerr *runtime.Error
	if errors.As(err, &rerr) {
		return err
	}
	return &runtime.Error{Kind: runtime.KindFailed, Op: op, ID: podID, Err: err}
}

// dial connects to the pod's port-forward URL; over websocket it asks for
// SPDY tunnelled in the socket and, when the server refuses, falls back to
// plain SPDY with a fresh URL, as the first one is spent.
func (p *PortForwarder) dial(getURL func() (*url.URL, error)) (streamhttp.Connection, error) {
	u, err := getURL()
	if err != nil {
		return nil, err
	}
	if p.transport == TransportWebSocket {
		ws, err := dialWebSocket(p.ctx, u, p.tls, tunnelPrefix+protoPortForward)
		if err == nil {
			return spdy.NewClientConnection(&tunnelConn{ws: ws})
		}
		if !isUpgradeFailure(err) {
			return nil, err
		}
		if u, err = getURL(); err != nil {
			return nil, err
		}
	}
	conn, protocol, err := dialSPDY(p.ctx, u, p.tls, protoPortForward)
	if err != nil {
		return nil, err
	}
	if protocol != protoPortForward {
		conn.Close()
		return nil, fmt.Errorf("the streaming server chose protocol %q, want %q", protocol, protoPortForward)
	}
	return conn, nil
}

func (p *PortForwarder) serve(getURL func() (*url.URL, error)) error {
	conn, err := p.dial(getURL)
	if err != nil {
		return err
	}
	type listener struct {
		l      net.Listener
		remote uint16
	}
	var listeners []listener
	var wg sync.WaitGroup
	// Listeners first, then the connection, which ends the connections in
	// flight; only then is everything done.
	defer func() {
		for _, l := range listeners {
			l.l.Close()
		}
		conn.Close()
		wg.Wait()
	}()
	for i := range p.ports {
		ls, err := p.listen(&p.ports[i])
		if err != nil {
			// Like kubectl: a port that cannot be had is reported, the
			// others are still forwarded.
			fmt.Fprintf(p.errOut, "port-forward: unable to listen on port %d: %v\n", p.ports[i].local, err)
		}
		for _, l := range ls {
			listeners = append(listeners, listener{l, p.ports[i].remote})
		}
	}
	if len(listeners) == 0 {
		return errors.New("unable to listen on any of the requested ports")
	}
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.accept(conn, l.l, l.remote)
		}()
	}
	close(p.Ready)

	select {
	case <-p.ctx.Done():
		return nil
	case <-conn.CloseChan():
		return errLostConnection
	}
}

// listen opens fp's local port on 127.0.0.1 and ::1; a local port 0 takes
// the one the first listener got for both.
func (p *PortForwarder) listen(fp *forwardedPort) ([]net.Listener, error) {
	var ls []net.Listener
	var errs []error
	for _, a := range []struct{ network, host string }{{"tcp4", "127.0.0.1"}, {"tcp6", "::1"}} {
		l, err := net.Listen(a.network, net.JoinHostPort(a.host, strconv.Itoa(int(fp.local))))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		port := l.Addr().(*net.TCPAddr).Port
		fp.local = uint16(port)
		fmt.Fprintf(p.out, "Forwarding from %s -> %d\n", net.JoinHostPort(a.host, strconv.Itoa(port)), fp.remote)
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		// One line per port on the terminal: errors.Join would put the
		// IPv4 and IPv6 reasons on two.
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return ls, nil
}

func (p *PortForwarder) accept(conn streamhttp.Connection, l net.Listener, remote uint16) {
	local := l.Addr().(*net.TCPAddr).Port
	report := func(err error) {
		if p.ctx.Err() == nil {
			fmt.Fprintf(p.errOut, "port-forward: error forwarding local %d -> remote %d: %v\n", local, remote, err)
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return // closed when forwarding ends
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			fmt.Fprintf(p.out, "Handling connection for %d\n", local)
			if err := p.forward(conn, c, remote, report); err != nil {
				report(err)
			}
		}()
	}
}

// forward carries one local connection over a pair of streams: data both
// ways, and an error stream on which the server reports what went wrong
// inside the pod.
func (p *PortForwarder) forward(conn streamhttp.Connection, c net.Conn, remote uint16, report func(error)) error {
	h := http.Header{}
	h.Set("port", strconv.Itoa(int(remote)))
	h.Set("requestID", strconv.FormatInt(p.requestID.Add(1), 10))
	h.Set("streamType", "error")
	errStream, err := conn.CreateStream(h)
	if err != nil {
		return fmt.Errorf("creating the error stream: %w", err)
	}
	// Nothing is sent on it.
	errStream.Close()
	h.Set("streamType", "data")
	data, err := conn.CreateStream(h)
	if err != nil {
		_ = errStream.Reset() // best effort: the create error is the one to report
		return fmt.Errorf("creating the data stream: %w", err)
	}
	defer conn.RemoveStreams(errStream, data)

	go func() {
		// The server closes the error stream when it is done with this
		// connection; what it wrote before is a failure inside the pod.
		if msg, err := io.ReadAll(errStream); err == nil && len(msg) > 0 {
			report(errors.New(strings.TrimSpace(string(msg))))
		}
	}()
	fromPod := make(chan struct{})
	go func() {
		defer close(fromPod)
		io.Copy(c, data) //nolint:errcheck // ends when either side closes
	}()
	go func() {
		io.Copy(data, c) //nolint:errcheck // ends when either side closes
		// Tell the pod side nothing more is coming.
		data.Close()
	}()
	<-fromPod
	return nil
}

// tunnelConn is a websocket carrying a byte stream in binary messages, the
// net.Conn that SPDY runs over when tunnelled.
type tunnelConn struct {
	ws     *websocket.Conn
	r      io.Reader
	wmu    sync.Mutex
	closed sync.Once
}

func (t *tunnelConn) Read(b []byte) (int, error) {
	for {
		if t.r == nil {
			kind, r, err := t.ws.NextReader()
			if err != nil {
				if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					return 0, io.EOF
				}
				return 0, err
			}
			if kind != websocket.BinaryMessage {
				return 0, errors.New("tunnelled connection: unexpected text message")
			}
			t.r = r
		}
		n, err := t.r.Read(b)
		if err == io.EOF {
			t.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (t *tunnelConn) Write(b []byte) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if err := t.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (t *tunnelConn) Close() error {
	var err error
	t.closed.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = t.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		err = t.ws.Close()
	})
	return err
}

func (t *tunnelConn) LocalAddr() net.Addr                { return t.ws.LocalAddr() }
func (t *tunnelConn) RemoteAddr() net.Addr               { return t.ws.RemoteAddr() }
func (t *tunnelConn) SetDeadline(d time.Time) error      { return t.ws.NetConn().SetDeadline(d) }
func (t *tunnelConn) SetReadDeadline(d time.Time) error  { return t.ws.SetReadDeadline(d) }
func (t *tunnelConn) SetWriteDeadline(d time.Time) error { return t.ws.SetWriteDeadline(d) }
