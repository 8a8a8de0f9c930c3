package cricli

import (
	"context"
	"errors"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

func newPodsCommand() *cli.Command {
	return &cli.Command{
		Name:     "pods",
		Usage:    "List pods (sandboxes), newest first",
		Category: catPods,
		Flags: append(withShortState(podFilterFlags()), outputFlag(printer.Table, printer.ListFormats), templateFlag(),
			noHeadersFlag(), watchListFlag(), quietFlag("pod"), verboseFlag(), noTruncFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, w, err := newListPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := podFilter(cmd)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return printList(ctx, cmd, c, p, w, func(ctx context.Context) (*printer.Resource, error) {
					pods, err := c.ListPods(ctx, f)
					if err != nil {
						return nil, err
					}
					return views.Pods(pods, clock(cmd)), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounPods},
			ex("List pods",
				"ctr cri pods"),
			ex("Pods that are not ready",
				"ctr cri pods --state notready"),
			ex("IDs of the pods labelled app=web",
				"ctr cri pods -q --label app=web"),
			ex("Pods whose label app is not web, or that have none",
				"ctr cri pods --label 'app!=web'"),
			ex("Follow pods going NotReady, in a pipe",
				"ctr cri pods -w --no-headers | grep NotReady"),
		),
	}
}

func newInspectPodCommand() *cli.Command {
	return &cli.Command{
		Name:        "inspectp",
		Usage:       "Show the status of one or more pods",
		UsageText:   "ctr cri inspectp [options] [POD-ID|NAME|NAMESPACE/NAME ...]",
		Description: "With no pods named, the filters select the targets. One target prints an object, several an array.",
		Category:    catPods,
		Flags:       append(withShortState(podFilterFlags()), outputFlag(printer.JSON, printer.ObjectFormats), templateFlag(), noHeadersFlag(), inspectQuietFlag(), containerdFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := newPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := podFilter(cmd)
			if err != nil {
				return err
			}
			verbose := !cmd.Bool("quiet")
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, errs, err := podTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.PodStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return views.InspectPod(st, clock(cmd)), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounPods, args: argsMany},
			ex("State, network and runtime info of pod web",
				"ctr cri inspectp web"),
			ex("The pod's IP address",
				"ctr cri inspectp -o go-template --template '{{.status.network.ip}}' shop/web"),
		),
	}
}

// podTargets resolves named pods with one list call, or applies the filters
// when none are named.
func podTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.PodFilter) ([]string, []error, error) {
	if len(refs) == 0 {
		pods, err := c.ListPods(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, len(pods))
		for i, p := range pods {
			ids[i] = p.Id
		}
		return ids, nil, nil
	}
	res, err := c.ResolvePods(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	_, ids, errs := split(res, podID)
	return ids, errs, nil
}

// inspectEach fetches every target's status, at most maxInFlight at once
// (one after another, the round trips add up: inspect of a busy node was
// slower than crictl), adds containerd's view when asked, and prints what
// succeeded in the order asked; failures so far (errs) and new ones, also
// in that order, are returned joined.
func inspectEach(ctx context.Context, cmd *cli.Command, c *runtime.Client, p printer.Printer, ids []string, errs []error, status func(id string) (*views.Inspected, error)) error {
	got := make([]*views.Inspected, len(ids))
	failed := make([]error, len(ids))
	// Documents are encoded by the workers, overlapping the calls still
	// waiting (the containerd views are added only after the fan-out).
	out := cmd.String("output")
	encode := out != printer.Table && out != printer.Wide && !cmd.Bool("containerd")
	sem := make(chan struct{}, maxInFlight)
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
		if err := p.Print(cmd.Root().Writer, views.Inspect(items)); err != nil {
			return err
		}
	} else if len(errs) == 0 {
		if isCrictl(cmd) {
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
