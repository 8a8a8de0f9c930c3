package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// EventTypes are the values events --type accepts.
var EventTypes = []string{"created", "started", "stopped", "deleted"}

// ParseEventType maps an events --type value to the CRI enum.
func ParseEventType(s string) (runtimeapi.ContainerEventType, error) {
	switch strings.ToLower(s) {
	case "created":
		return runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, nil
	case "started":
		return runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT, nil
	case "stopped":
		return runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT, nil
	case "deleted":
		return runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT, nil
	}
	return 0, fmt.Errorf("invalid event type %q: want one of %s", s, strings.Join(EventTypes, ", "))
}

// EventFilter selects events client-side (the CRI call has no filter).
type EventFilter struct {
	// Pod is a pod ID prefix, a pod name or namespace/name.
	Pod string
	// Container is a container ID prefix or a container name.
	Container string
	// Types keeps only these event types; empty keeps all.
	Types []runtimeapi.ContainerEventType
}

func (f EventFilter) matches(ev *runtimeapi.ContainerEventResponse) bool {
	if len(f.Types) > 0 {
		ok := false
		for _, t := range f.Types {
			ok = ok || t == ev.ContainerEventType
		}
		if !ok {
			return false
		}
	}
	if f.Pod != "" {
		p := ev.GetPodSandboxStatus()
		m := p.GetMetadata()
		if !strings.HasPrefix(p.GetId(), f.Pod) && m.GetName() != f.Pod && m.GetNamespace()+"/"+m.GetName() != f.Pod {
			return false
		}
	}
	if f.Container != "" && !strings.HasPrefix(ev.ContainerId, f.Container) {
		named := false
		for _, cs := range ev.ContainersStatuses {
			named = named || (cs.GetId() == ev.ContainerId && cs.GetMetadata().GetName() == f.Container)
		}
		if !named {
			return false
		}
	}
	return true
}

// Events streams container events that match f to fn until the runtime
// closes the stream (nil), ctx ends (ctx.Err()) or fn fails.
func (c *Client) Events(ctx context.Context, f EventFilter, fn func(*runtimeapi.ContainerEventResponse) error) error {
	const op = "container events"
	wrap := func(err error) error {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			// ctr --timeout ended the stream: a deadline (exit 3), named.
			return c.wrap(ctx, op, "", context.DeadlineExceeded)
		case ctx.Err() != nil:
			return ctx.Err()
		}
		if e := unimplemented(err, op, "GetContainerEvents", ""); e != err { //nolint:errorlint // identity: did unimplemented replace err?
			return e
		}
		return c.wrap(ctx, op, "", err)
	}
	stream, err := c.rt.GetContainerEvents(ctx, &runtimeapi.GetEventsRequest{})
	if err != nil {
		return wrap(err)
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return wrap(err)
		}
		if f.matches(ev) {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
}

// ErrUnimplemented is in the error of a call the runtime answers with
// "not implemented", so a caller can fall back (ps -w polls without events).
var ErrUnimplemented = errors.New("the runtime does not implement")

// unimplemented turns a runtime's "method not implemented" answer into one
// clear line; other errors are returned as they are.
func unimplemented(err error, op, method, hint string) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unimplemented || strings.Contains(st.Message(), "unknown service") {
		return err
	}
	msg := fmt.Errorf("%w %s", ErrUnimplemented, method)
	if hint != "" {
		msg = fmt.Errorf("%w (%s)", msg, hint)
	}
	return &Error{Kind: KindFailed, Op: op, Err: msg}
}
