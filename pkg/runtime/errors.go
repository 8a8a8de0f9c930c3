package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Kind classifies an Error so the CLI can map it to an exit code.
type Kind int

const (
	// KindFailed is an operation the runtime refused or could not complete.
	KindFailed Kind = iota
	// KindNotFound is an ID, prefix or name that matches nothing.
	KindNotFound
	// KindAmbiguous is a prefix or name that matches several objects.
	KindAmbiguous
	// KindUnreachable means the endpoint could not be reached at all.
	KindUnreachable
	// KindNotServed means something answered, but it does not serve CRI v1.
	KindNotServed
	// KindDeadline means the runtime did not answer within the timeout.
	KindDeadline
	// KindInvalid is bad input detected before any RPC.
	KindInvalid
)

// Error is the typed error every pkg/runtime call returns. Its message is
// one line: what failed, on which object, and why.
type Error struct {
	Kind       Kind
	Op         string // "list containers", "stop container"
	ID         string // the object the user named, if any
	Endpoint   string
	Candidates []string // for KindAmbiguous
	Hint       string
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.ID != "" {
		fmt.Fprintf(&b, " %q", e.ID)
	}
	b.WriteString(": ")
	switch e.Kind {
	case KindNotFound:
		b.WriteString("not found")
	case KindAmbiguous:
		fmt.Fprintf(&b, "ambiguous, matches %s", strings.Join(e.Candidates, ", "))
	default:
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		}
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, KindFailed for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindFailed
}

// IsNotFound reports whether err says an object does not exist.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

func notFound(op, id string) error { return &Error{Kind: KindNotFound, Op: op, ID: id} }

// grpcMessage strips gRPC's "rpc error: code = X desc = " wrapping.
func grpcMessage(err error) string {
	if s, ok := status.FromError(err); ok {
		return s.Message()
	}
	return err.Error()
}

// unavailableHint tells a socket that does not speak gRPC (an HTTP server,
// another protocol: the HTTP/2 preface fails) from a runtime that spoke
// and went away: containerd stopping or restarting under a watch is not a
// reason to doubt the socket.
func unavailableHint(msg, endpointHint string) string {
	if strings.Contains(msg, "preface") || strings.Contains(msg, "http2") {
		return "is it a containerd/CRI socket? " + endpointHint
	}
	return "the runtime closed the connection (stopped or restarting?)"
}

// wrap converts an RPC error into an *Error, classifying transport failures.
func (c *Client) wrap(ctx context.Context, op, id string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	out := &Error{Kind: KindFailed, Op: op, ID: id, Endpoint: c.runtimeEP, Err: errors.New(grpcMessage(err))}
	st, _ := status.FromError(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		out.Kind = KindDeadline
		out.Err = fmt.Errorf("no answer from %s within %s", c.runtimeEP, c.timeoutFor(ctx))
		out.Hint = "raise " + c.opts.Hints.Timeout + ", or check that containerd is healthy"
		// The command's own deadline fired, not the per-RPC one. The
		// server's copy of that deadline can fire a moment before ours, so
		// "fired" is "due now", not ctx.Err().
		if nd, ok := ctx.Value(deadlineNameKey{}).(namedDeadline); ok && !nd.at.IsZero() && time.Until(nd.at) < 50*time.Millisecond {
			out.Err = fmt.Errorf("%s expired before %s answered", nd.name, c.runtimeEP)
			out.Hint = ""
		}
		if de := c.lastDialError(); de != nil {
			return c.unreachable(op, id, de)
		}
	case st.Code() == codes.Unavailable:
		if de := c.lastDialError(); de != nil {
			return c.unreachable(op, id, de)
		}
		out.Kind = KindUnreachable
		out.Err = fmt.Errorf("%s: %s", c.runtimeEP, grpcMessage(err))
		out.Hint = unavailableHint(grpcMessage(err), c.opts.Hints.Endpoint)
	case st.Code() == codes.Unimplemented && strings.Contains(st.Message(), "unknown service runtime.v1."):
		return c.notServed(op, id)
	case st.Code() == codes.NotFound:
		out.Kind = KindNotFound
	}
	// A runtime's InvalidArgument stays KindFailed (exit 1): exit 2 says the
	// command line was refused before any RPC, and here RPCs were made (run
	// may have created and removed a pod already).
	return out
}
