package cmdutil

import (
	"context"
	"errors"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// InspectEach fetches every target's status, at most maxInFlight at once
// (one after another, the round trips add up: inspect of a busy node was
// slower than crictl), adds containerd's view when asked, and prints what
// succeeded in the order asked; failures so far (errs) and new ones, also
// in that order, are returned joined.
func InspectEach(ctx context.Context, cmd *cli.Command, c *runtime.Client, p printer.Printer, ids []string, errs []error, status func(id string) (*views.Inspected, error)) error {
	got := make([]*views.Inspected, len(ids))
	failed := make([]error, len(ids))
	// Documents are encoded by the workers, overlapping the calls still
	// waiting (the containerd views are added only after the fan-out).
	out := cmd.String("output")
	encode := out != printer.Table && out != printer.Wide && !cmd.Bool("containerd")
	sem := make(chan struct{}, MaxInFlight)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			got[i], failed[i] = status(id)
			if failed[i] == nil && encode {
				// On failure the item is encoded again when printed, and
				// that reports the error.
				_ = got[i].Encode()
			}
		}()
	}
	wg.Wait()
	items := make([]*views.Inspected, 0, len(ids))
	for i := range ids {
		if failed[i] != nil {
			errs = append(errs, failed[i])
			continue
		}
		items = append(items, got[i])
	}
	if err := addContainerdViews(ctx, cmd, c, items); err != nil {
		return err
	}
	return printInspected(cmd, p, items, errs)
}

// printInspected prints what succeeded and returns the failures joined, so
// the exit code is 1 when any target failed.
func printInspected(cmd *cli.Command, p printer.Printer, items []*views.Inspected, errs []error) error {
	if len(items) > 0 {
		if err := p.Print(Stdout(cmd), views.Inspect(items)); err != nil {
			return err
		}
	} else if len(errs) == 0 {
		if PersonalityOf(cmd).HelpWhenNothingFound {
			// crictl follows its message with the command's help on stdout.
			if err := cli.ShowSubcommandHelp(cmd); err != nil {
				return err
			}
		}
		return errNothingFound
	}
	return errors.Join(errs...)
}

// errNothingFound is an empty selection of an inspect-style command: not a
// failure, but said on stderr.
var errNothingFound = &notice{msg: "No IDs provided or nothing found per filter"}

type notice struct{ msg string }

func (n *notice) Error() string { return n.msg }

func (n *notice) ExitCode() int { return ExitOK }
