package cmdutil

import (
	"context"
	"errors"
	"time"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// ps -w and pods -w follow the runtime's container events
// (GetContainerEvents) rather than polling: a change shows at once, an idle
// node costs no RPC, and a change costs one re-list whatever the node's
// size. containerd sends events for pod sandboxes too (with the pod's ID as
// the container ID), so pods -w follows the same stream. A runtime without
// events is polled instead, every watchPoll.
var (
	WatchPoll = 2 * time.Second
	// WatchSettle gathers a burst of events (a pod start is several) into
	// one re-list.
	WatchSettle = 100 * time.Millisecond
)

// WatchListFlag is -w/--watch of ps and pods.
func WatchListFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "after the list, print a line for each row that changes (following container events) until Ctrl-C"}
}

// NewListPrinter is newPrinter, or with -w a printer of changes.
func NewListPrinter(cmd *cli.Command) (printer.Printer, *printer.Watch, error) {
	if !cmd.Bool("watch") {
		p, err := NewPrinter(cmd)
		return p, nil, err
	}
	if cmd.Bool("quiet") {
		return nil, nil, UsageErrorf("-w and -q cannot be combined: -q prints IDs once, -w prints changing rows")
	}
	if cmd.Bool("verbose") {
		return nil, nil, UsageErrorf("-w and -v cannot be combined: -w prints changing rows of the table")
	}
	opts, err := PrinterOptions(cmd)
	if err != nil {
		return nil, nil, err
	}
	w, err := printer.NewWatch(cmd.String("output"), CommandFormats(cmd), opts)
	return nil, w, err
}

// PrintList prints one listing, or with a watch keeps printing changes
// until Ctrl-C (a clean exit 0) or an error.
func PrintList(ctx context.Context, cmd *cli.Command, c *runtime.Client, p printer.Printer, w *printer.Watch, list func(context.Context) (*printer.Resource, error)) error {
	out := Stdout(cmd)
	if w == nil {
		r, err := list(ctx)
		if err != nil {
			return err
		}
		return p.Print(out, r)
	}
	ctx, stop := termui.Interruptible(ctx)
	defer stop()
	err := watchList(ctx, c, func(ctx context.Context) error {
		r, err := list(ctx)
		if err != nil {
			return err
		}
		return w.Print(out, r)
	})
	if termui.Interrupted(ctx, err) {
		return nil
	}
	return err
}

// watchList calls refresh once, then after each burst of container events
// (or every watchPoll when the runtime has no events) until ctx ends.
func watchList(ctx context.Context, c *runtime.Client, refresh func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	changed := make(chan struct{}, 1)
	done := make(chan error, 1)
	// Subscribe before the first listing, so that no change falls between
	// the two.
	go func() {
		done <- c.Events(ctx, runtime.EventFilter{}, func(*runtimeapi.ContainerEventResponse) error {
			select {
			case changed <- struct{}{}:
			default: // a re-list is already due
			}
			return nil
		})
	}()
	if err := refresh(ctx); err != nil {
		return err
	}
	var poll <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-done:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil || errors.Is(err, runtime.ErrUnimplemented) {
				// No events (or the runtime ended the stream): poll.
				t := time.NewTicker(WatchPoll)
				defer t.Stop()
				poll, done = t.C, nil
				continue
			}
			return err
		case <-changed:
			if !Sleep(ctx, WatchSettle) {
				return ctx.Err()
			}
			select {
			case <-changed: // events of the same burst
			default:
			}
		case <-poll:
		}
		if err := refresh(ctx); err != nil {
			return err
		}
	}
}
