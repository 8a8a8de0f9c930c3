package pods

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewPodsCommand returns a fresh "pods" command: list pods (sandboxes),
// newest first.
func NewPodsCommand() *cli.Command {
	return &cli.Command{
		Name:                   "pods",
		UseShortOptionHandling: true,
		Usage:                  "List pods (sandboxes), newest first",
		Category:               cmdutil.CatPods,
		Flags:                  append(cmdutil.WithShortState(cmdutil.PodFilterFlags()), cmdutil.OutputFlag(printer.Table, printer.ListFormats), cmdutil.TemplateFlag(), cmdutil.NoHeadersFlag(), cmdutil.WatchListFlag(), cmdutil.QuietFlag("pod"), cmdutil.VerboseFlag(), cmdutil.NoTruncFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, w, err := cmdutil.NewListPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := cmdutil.PodFilter(cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return cmdutil.PrintList(ctx, cmd, c, p, w, func(ctx context.Context) (*printer.Resource, error) {
					pods, err := c.ListPods(ctx, f)
					if err != nil {
						return nil, err
					}
					return views.Pods(pods, cmdutil.Clock(cmd)), nil
				})
			})
		},
		Metadata: cmdutil.WithCrictl(cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods},
			cmdutil.Ex("List pods",
				"ctr cri pods"),
			cmdutil.Ex("Pods that are not ready",
				"ctr cri pods --state notready"),
			cmdutil.Ex("IDs of the pods labelled app=web",
				"ctr cri pods -q --label app=web"),
			cmdutil.Ex("Pods whose label app is not web, or that have none",
				"ctr cri pods --label 'app!=web'"),
			cmdutil.Ex("Follow pods going NotReady, in a pipe",
				"ctr cri pods -w --no-headers | grep NotReady"),
		), cmdutil.CrictlSpec{IgnoreArgs: true}),
	}
}

// NewInspectPodCommand returns a fresh "inspectp" command: show the status of
// one or more pods.
func NewInspectPodCommand() *cli.Command {
	return &cli.Command{
		Name:                   "inspectp",
		UseShortOptionHandling: true,
		Usage:                  "Show the status of one or more pods",
		Description:            "With no pods named, the filters select the targets. One target prints an object, several an array.",
		Category:               cmdutil.CatPods,
		Flags:                  append(cmdutil.WithShortState(cmdutil.PodFilterFlags()), cmdutil.OutputFlag(printer.JSON, printer.ObjectFormats), cmdutil.TemplateFlag(), cmdutil.NoHeadersFlag(), cmdutil.InspectQuietFlag(), cmdutil.ContainerdFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := cmdutil.PodFilter(cmd)
			if err != nil {
				return err
			}
			verbose := !cmd.Bool("quiet")
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, errs, err := podTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				return cmdutil.InspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.PodStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return views.InspectPod(st, cmdutil.Clock(cmd)), nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, Args: cmdutil.ArgsMany, Synopsis: "[POD-ID|NAME|NAMESPACE/NAME ...]"},
			cmdutil.Ex("State, network and runtime info of pod web",
				"ctr cri inspectp web"),
			cmdutil.Ex("The pod's IP address",
				"ctr cri inspectp -o go-template --template '{{.status.network.ip}}' shop/web"),
		),
	}
}

// podTargets resolves named pods with one list call, or applies the filters
// when none are named.
func podTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.PodFilter) ([]string, []error, error) {
	_, ids, errs, err := cmdutil.Targets(refs,
		func() ([]*runtime.Pod, error) { return c.ListPods(ctx, f) },
		func(refs []string) ([]runtime.Resolved[*runtime.Pod], error) { return c.ResolvePods(ctx, refs) },
		cmdutil.PodID)
	return ids, errs, err
}
