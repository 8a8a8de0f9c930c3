package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	streamhttp "k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// The remote command protocols of the CRI streaming server (the same ones
// kubelet and the API server speak), newest first.
const (
	protoV5 = "v5.channel.k8s.io"
	protoV4 = "v4.channel.k8s.io"
	protoV3 = "v3.channel.k8s.io"
	protoV2 = "v2.channel.k8s.io"

	protoPortForward = "portforward.k8s.io"
	// tunnelPrefix asks a websocket server to carry SPDY inside the socket.
	tunnelPrefix = "SPDY/3.1+"
)

// Channel numbers of the websocket remote command protocol; over SPDY the
// same roles are named in each stream's streamType header.
const (
	chanStdin  = 0
	chanStdout = 1
	chanStderr = 2
	chanError  = 3
	chanResize = 4
	chanClose  = 255 // v5: the next byte names a channel the sender closed
)

func session(ctx context.Context, op, id string, getURL func(context.Context) (string, error), s Streams, cfg Config) error {
	tc, err := tlsConfig(cfg.TLS)
	if err != nil {
		return &runtime.Error{Kind: runtime.KindInvalid, Op: op, ID: id, Err: err}
	}
	if s.TTY {
		s.Stderr = nil
	}
	run := func(transport string) error {
		raw, err := getURL(ctx)
		if err != nil {
			return err
		}
		u, err := streamingURL(raw)
		if err != nil {
			return &runtime.Error{Kind: runtime.KindFailed, Op: op, ID: id, Err: err}
		}
		if transport == TransportWebSocket {
			return execWebSocket(ctx, u, tc, s)
		}
		return execSPDY(ctx, u, tc, s)
	}
	err = run(cfg.Transport)
	if cfg.Transport == TransportWebSocket && isUpgradeFailure(err) {
		err = run(TransportSPDY)
	}
	return streamError(ctx, op, id, err)
}

// streamError maps how a session ended: the remote exit code, the caller's
// cancellation, or a failure of the session itself.
func streamError(ctx context.Context, op, id string, err error) error {
	if err == nil {
		return nil
	}
	var rerr *runtime.Error
	if errors.As(err, &rerr) {
		return err
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, errNoStatus) {
		return &runtime.Error{Kind: runtime.KindUnreachable, Op: op, ID: id, Err: err}
	}
	// The streaming server reports failures as a Kubernetes status whose
	// "Internal error occurred: " adds nothing for the user.
	return &runtime.Error{Kind: runtime.KindFailed, Op: op, ID: id, Err: errors.New(strings.TrimPrefix(err.Error(), "Internal error occurred: "))}
}

func isUpgradeFailure(err error) bool {
	return streamhttp.IsUpgradeFailure(err) || streamhttp.IsHTTPSProxyError(err)
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

// tlsConfig is used only when the runtime hands out an https URL.
func tlsConfig(c TLSConfig) (*tls.Config, error) {
	if c.CAFile == "" && c.CertFile == "" && c.KeyFile == "" {
		return &tls.Config{InsecureSkipVerify: true, ServerName: c.ServerName}, nil //nolint:gosec // crictl's default; see TLSConfig
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, errors.New("TLS streaming needs both a certificate and its key")
	}
	tc := &tls.Config{ServerName: c.ServerName, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", c.CAFile)
		}
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// dialSPDY upgrades a POST to u to a SPDY connection, offering protocols
// in order of preference; it returns the one the server chose.
func dialSPDY(ctx context.Context, u *url.URL, tc *tls.Config, protocols ...string) (streamhttp.Connection, string, error) {
	rt, err := spdy.NewRoundTripper(tc)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	for _, p := range protocols {
		req.Header.Add(streamhttp.HeaderProtocolVersion, p)
	}
	resp, err := rt.RoundTrip(req) //nolint:bodyclose // NewConnection closes a refused upgrade's body; an accepted one is the stream
	if err != nil {
		return nil, "", err
	}
	conn, err := rt.NewConnection(resp)
	if err != nil {
		return nil, "", err
	}
	return conn, resp.Header.Get(streamhttp.HeaderProtocolVersion), nil
}

// dialWebSocket opens a websocket to u offering subprotocols; a server that
// refuses the upgrade or picks none of them is an upgrade failure, which
// callers answer by falling back to SPDY.
func dialWebSocket(ctx context.Context, u *url.URL, tc *tls.Config, protocols ...string) (*websocket.Conn, error) {
	wu := *u
	switch wu.Scheme {
	case "https":
		wu.Scheme = "wss"
	default:
		wu.Scheme = "ws"
	}
	d := websocket.Dialer{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tc, Subprotocols: protocols}
	ws, resp, err := d.DialContext(ctx, wu.String(), nil)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) {
			if resp != nil {
				resp.Body.Close()
				err = fmt.Errorf("%w (%s)", err, resp.Status)
			}
			return nil, &streamhttp.UpgradeFailureError{Cause: err}
		}
		return nil, err
	}
	for _, p := range protocols {
		if ws.Subprotocol() == p {
			return ws, nil
		}
	}
	ws.Close()
	return nil, &streamhttp.UpgradeFailureError{Cause: fmt.Errorf("server chose protocol %q, want one of %q", ws.Subprotocol(), protocols)}
}

// remoteStatus is the part of a Kubernetes metav1.Status that the error
// stream carries from v4 on.
type remoteStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Details *struct {
		Causes []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"causes"`
	} `json:"details"`
}

// errNoStatus is a session that ended without the remote command's exit
// status: the connection dropped (containerd killed, network cut), so the
// output may be truncated and success cannot be claimed.
var errNoStatus = errors.New("the streaming connection ended without the command's exit status (output may be truncated)")

// statusError turns what the error stream said into the session's result:
// nil, *ExitError, or the server's message. From v4 on the server always
// sends a status, "Success" included, so an empty error stream is a lost
// connection; v2 and v3 say success with silence and cannot tell.
func statusError(protocol string, data []byte) error {
	if len(data) == 0 {
		if protocol == protoV4 || protocol == protoV5 {
			return errNoStatus
		}
		return nil
	}
	if protocol == protoV2 || protocol == protoV3 {
		return errors.New(string(data))
	}
	var st remoteStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("bad status from the streaming server: %q", data)
	}
	if st.Status == "Success" {
		return nil
	}
	if st.Reason == "NonZeroExitCode" && st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Reason != "ExitCode" {
				continue
			}
			code, err := strconv.Atoi(c.Message)
			if err != nil {
				return fmt.Errorf("bad exit code from the streaming server: %q", c.Message)
			}
			return &ExitError{Code: code}
		}
	}
	return errors.New(st.Message)
}

// execSPDY runs an exec or attach session over SPDY: one stream per role,
// the error stream first, as the server expects.
func execSPDY(ctx context.Context, u *url.URL, tc *tls.Config, s Streams) error {
	conn, protocol, err := dialSPDY(ctx, u, tc, protoV4, protoV3, protoV2)
	if err != nil {
		return err
	}
	defer conn.Close()
	create := func(role string) (streamhttp.Stream, error) {
		h := http.Header{}
		h.Set("streamType", role)
		return conn.CreateStream(h)
	}
	errStream, err := create("error")
	if err != nil {
		return err
	}
	var stdin, stdout, stderr, resize streamhttp.Stream
	if s.Stdin != nil {
		if stdin, err = create("stdin"); err != nil {
			return err
		}
	}
	if s.Stdout != nil {
		if stdout, err = create("stdout"); err != nil {
			return err
		}
	}
	if s.Stderr != nil {
		if stderr, err = create("stderr"); err != nil {
			return err
		}
	}
	if s.TTY && protocol != protoV2 {
		if resize, err = create("resize"); err != nil {
			return err
		}
	}

	// Ctrl-C or the caller giving up resets every stream, which ends the
	// copies below.
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			conn.Close()
		case <-finished:
		}
	}()

	if stdin != nil {
		// Not waited for: a terminal's stdin only ends when the user types.
		go func() {
			io.Copy(stdin, s.Stdin) //nolint:errcheck // the session's end reports failures
			stdin.Close()
		}()
	}
	if resize != nil && s.Resize != nil {
		go sendSizes(s.Resize, finished, func(b []byte) error { _, err := resize.Write(b); return err })
	}
	var wg sync.WaitGroup
	for _, p := range []struct {
		r io.Reader
		w io.Writer
	}{{stdout, s.Stdout}, {stderr, s.Stderr}} {
		if p.r == nil || p.w == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(p.w, p.r) //nolint:errcheck // the session's end reports failures
		}()
	}
	status, readErr := io.ReadAll(errStream)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if readErr != nil {
		return fmt.Errorf("%w: reading the error stream: %v", errNoStatus, readErr)
	}
	return statusError(protocol, status)
}

// sendSizes writes each terminal size from q as the resize channel's JSON
// until q is done or the session ends.
func sendSizes(q TerminalSizeQueue, done <-chan struct{}, write func([]byte) error) {
	for {
		size := q.Next()
		if size == nil {
			return
		}
		select {
		case <-done:
			return
		default:
		}
		b, _ := json.Marshal(size)
		if write(b) != nil {
			return
		}
	}
}

// execWebSocket runs an exec or attach session over one websocket whose
// messages start with a channel number.
func execWebSocket(ctx context.Context, u *url.URL, tc *tls.Config, s Streams) error {
	ws, err := dialWebSocket(ctx, u, tc, protoV5, protoV4)
	if err != nil {
		return err
	}
	defer ws.Close()
	protocol := ws.Subprotocol()
	var wmu sync.Mutex
	send := func(channel byte, data []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		return ws.WriteMessage(websocket.BinaryMessage, append([]byte{channel}, data...))
	}

	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			ws.Close()
		case <-finished:
		}
	}()

	if s.Stdin != nil {
		go func() {
			buf := make([]byte, 32*1024)
			for {
				n, err := s.Stdin.Read(buf)
				if n > 0 && send(chanStdin, buf[:n]) != nil {
					return
				}
				if err != nil {
					// Only v5 can tell the server that stdin ended.
					if protocol == protoV5 {
						send(chanClose, []byte{chanStdin}) //nolint:errcheck // the session's end reports failures
					}
					return
				}
			}
		}()
	}
	if s.TTY && s.Resize != nil {
		go sendSizes(s.Resize, finished, func(b []byte) error { return send(chanResize, b) })
	}

	var status []byte
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if status != nil || websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				break
			}
			return fmt.Errorf("%w: %v", errNoStatus, err)
		}
		if len(msg) < 2 {
			continue // the server's empty "connected" message
		}
		var w io.Writer
		switch msg[0] {
		case chanStdout:
			w = s.Stdout
		case chanStderr:
			w = s.Stderr
		case chanError:
			status = append(status, msg[1:]...)
		}
		if w != nil {
			if _, err := w.Write(msg[1:]); err != nil {
				return err
			}
		}
	}
	return statusError(protocol, status)
}
