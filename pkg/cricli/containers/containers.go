package containers

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewPsCommand returns a fresh "ps" command: list containers (running only
// unless -a), newest first, with their pod's name and namespace.
func NewPsCommand() *cli.Command {
	return &cli.Command{
		Name:                   "ps",
		UseShortOptionHandling: true,
		Usage:                  "List containers (running only unless -a), newest first, with their pod's name and namespace",
		Category:               cmdutil.CatContainers,
		Flags: append(cmdutil.WithShortState(cmdutil.ContainerFilterFlags()),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers, not only running ones"},
			&cli.BoolFlag{Name: "resolve-image-path", Aliases: []string{"r"}, Usage: "show the image's repo:tag instead of the ref it was created with"},
			cmdutil.OutputFlag(printer.Table, printer.ListFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
			cmdutil.WatchListFlag(),
			cmdutil.QuietFlag("container"),
			cmdutil.VerboseFlag(),
			cmdutil.NoTruncFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, w, err := cmdutil.NewListPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := cmdutil.ContainerFilter(cmd)
			if err != nil {
				return err
			}
			f.All = cmd.Bool("all")
			f.ResolveImages = cmd.Bool("resolve-image-path")
			f.Summary = cmdutil.TableOnly(cmd)
			if out := cmd.String("output"); out != printer.Table && out != printer.Wide {
				f.Wire = true // documents are written from the containers' encodings
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return cmdutil.PrintList(ctx, cmd, c, p, w, func(ctx context.Context) (*printer.Resource, error) {
					l, err := c.ListContainers(ctx, f)
					if err != nil {
						return nil, err
					}
					if cmd.String("output") == printer.Wide {
						if err := ctrd.JoinTaskPIDs(ctx, cmdutil.ContainerdFor(cmd, c), l); err != nil {
							return nil, err
						}
					}
					return views.Containers(l, cmdutil.Clock(cmd)), nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("List running containers with their pod and namespace",
				"ctr cri ps"),
			cmdutil.Ex("All containers of pod web (a name, namespace/name, ID or prefix), exited ones included",
				"ctr cri ps -a --pod shop/web"),
			cmdutil.Ex("The table, then a line for each container that changes, until Ctrl-C",
				"ctr cri ps -w"),
			cmdutil.Ex("IDs of the exited containers, for a script",
				"ctr cri ps -a -q --state exited"),
			cmdutil.Ex("Name, state and attempt of every container",
				"ctr cri ps -a --no-headers -o custom-columns='NAME:.metadata.name,STATE:.state,ATTEMPT:.metadata.attempt'"),
			cmdutil.Ex("Containers with a tier label and no canary label",
				"ctr cri ps -a --label tier --label '!canary'"),
		),
	}
}

// NewInspectCommand returns a fresh "inspect" command: show the status of one
// or more containers.
func NewInspectCommand() *cli.Command {
	return &cli.Command{
		Name:        "inspect",
		Usage:       "Show the status of one or more containers",
		Description: "With no containers named, the filters select the targets (running ones unless -a, --state, -l or -n). One target prints an object, several an array.",
		Category:    cmdutil.CatContainers,
		Flags:       append(cmdutil.WithShortState(cmdutil.ContainerFilterFlags()), &cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "with no containers named, select all states, not only running ones"}, cmdutil.OutputFlag(printer.JSON, printer.ObjectFormats), cmdutil.TemplateFlag(), cmdutil.NoHeadersFlag(), cmdutil.InspectQuietFlag(), cmdutil.ContainerdFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := cmdutil.ContainerFilter(cmd)
			if err != nil {
				return err
			}
			f.All = cmd.Bool("all")
			verbose := !cmd.Bool("quiet")
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				targets, errs, err := containerTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				ids := make([]string, len(targets))
				pods := make(map[string]string, len(targets))
				for i, t := range targets {
					ids[i] = t.Id
					if t.PodName != "" && !cmdutil.PersonalityOf(cmd).InspectWithoutPod {
						// The table names the pod, from the list that
						// resolved the targets (crictl's text has no such line).
						pods[t.Id] = t.PodNamespace + "/" + t.PodName
					}
				}
				return cmdutil.InspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.ContainerStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					it := views.InspectContainer(st, cmdutil.Clock(cmd))
					it.Pod = pods[id]
					return it, nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, Args: cmdutil.ArgsMany, Synopsis: "[CONTAINER-ID|NAME ...]"},
			cmdutil.Ex("Status and runtime info of container app",
				"ctr cri inspect app"),
			cmdutil.Ex("The PID of container app's main process (for nsenter)",
				"ctr cri inspect -o go-template --template '{{.info.pid}}' app"),
			cmdutil.Ex("The same with a JSONPath expression",
				"ctr cri inspect -o jsonpath='{.info.pid}' app"),
			cmdutil.Ex("Why the newest attempt of job stopped",
				"ctr cri inspect -o go-template='{{.status.exitCode}} {{.status.reason}}' job"),
			cmdutil.Ex("Exit codes of every exited container",
				"ctr cri inspect -a --state exited -o custom-columns=NAME:.status.metadata.name,EXIT:.status.exitCode"),
			cmdutil.Ex("containerd's view of it: task PID, shim, snapshot",
				"ctr cri inspect --containerd app"),
		),
	}
}

// containerTargets resolves named containers with one list call, or applies
// the filters when none are named.
func containerTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.ContainerFilter) ([]runtime.Container, []error, error) {
	items, _, errs, err := cmdutil.Targets(refs,
		func() ([]runtime.Container, error) {
			l, err := c.ListContainers(ctx, f)
			if err != nil {
				return nil, err
			}
			return l.Items, nil
		},
		func(refs []string) ([]runtime.Resolved[runtime.Container], error) {
			return c.ResolveContainers(ctx, refs)
		},
		cmdutil.ContainerID)
	return items, errs, err
}
