package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
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
					return printer.Pods(pods, clock(cmd)), nil
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
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*printer.Inspected, error) {
					st, err := c.PodStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return printer.InspectPod(st, clock(cmd)), nil
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
