package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

func newPsCommand() *cli.Command {
	return &cli.Command{
		Name:     "ps",
		Usage:    "List containers (running only unless -a), newest first, with their pod's name and namespace",
		Category: catContainers,
		Flags: append(withShortState(containerFilterFlags()),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers, not only running ones"},
			&cli.BoolFlag{Name: "resolve-image-path", Aliases: []string{"r"}, Usage: "show the image's repo:tag instead of the ref it was created with"},
			outputFlag(printer.Table, printer.ListFormats), templateFlag(), noHeadersFlag(), watchListFlag(), quietFlag("container"), verboseFlag(), noTruncFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, w, err := newListPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := containerFilter(cmd)
			if err != nil {
				return err
			}
			f.All = cmd.Bool("all")
			f.ResolveImages = cmd.Bool("resolve-image-path")
			f.Summary = tableOnly(cmd)
			if out := cmd.String("output"); out != printer.Table && out != printer.Wide {
				f.Wire = true // documents are written from the containers' encodings
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return printList(ctx, cmd, c, p, w, func(ctx context.Context) (*printer.Resource, error) {
					l, err := c.ListContainers(ctx, f)
					if err != nil {
						return nil, err
					}
					if cmd.String("output") == printer.Wide {
						if err := ctrd.JoinTaskPIDs(ctx, containerdFor(cmd, c), l); err != nil {
							return nil, err
						}
					}
					return views.Containers(l, clock(cmd)), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounContainers},
			ex("List running containers with their pod and namespace",
				"ctr cri ps"),
			ex("All containers of pod web (a name, namespace/name, ID or prefix), exited ones included",
				"ctr cri ps -a --pod shop/web"),
			ex("The table, then a line for each container that changes, until Ctrl-C",
				"ctr cri ps -w"),
			ex("IDs of the exited containers, for a script",
				"ctr cri ps -a -q --state exited"),
			ex("Name, state and attempt of every container",
				"ctr cri ps -a --no-headers -o custom-columns='NAME:.metadata.name,STATE:.state,ATTEMPT:.metadata.attempt'"),
			ex("Containers with a tier label and no canary label",
				"ctr cri ps -a --label tier --label '!canary'"),
		),
	}
}

func newInspectCommand() *cli.Command {
	return &cli.Command{
		Name:        "inspect",
		Usage:       "Show the status of one or more containers",
		UsageText:   "ctr cri inspect [options] [CONTAINER-ID|NAME ...]",
		Description: "With no containers named, the filters select the targets (running ones unless -a, --state, -l or -n). One target prints an object, several an array.",
		Category:    catContainers,
		Flags: append(withShortState(containerFilterFlags()),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "with no containers named, select all states, not only running ones"},
			outputFlag(printer.JSON, printer.ObjectFormats), templateFlag(), noHeadersFlag(), inspectQuietFlag(), containerdFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := newPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := containerFilter(cmd)
			if err != nil {
				return err
			}
			f.All = cmd.Bool("all")
			verbose := !cmd.Bool("quiet")
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				targets, errs, err := containerTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				ids := make([]string, len(targets))
				pods := make(map[string]string, len(targets))
				for i, t := range targets {
					ids[i] = t.Id
					if t.PodName != "" && !isCrictl(cmd) {
						// The table names the pod, from the list that
						// resolved the targets (crictl's text has no such line).
						pods[t.Id] = t.PodNamespace + "/" + t.PodName
					}
				}
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.ContainerStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					it := views.InspectContainer(st, clock(cmd))
					it.Pod = pods[id]
					return it, nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounContainers, args: argsMany},
			ex("Status and runtime info of container app",
				"ctr cri inspect app"),
			ex("The PID of container app's main process (for nsenter)",
				"ctr cri inspect -o go-template --template '{{.info.pid}}' app"),
			ex("The same with a JSONPath expression",
				"ctr cri inspect -o jsonpath='{.info.pid}' app"),
			ex("Why the newest attempt of job stopped",
				"ctr cri inspect -o go-template='{{.status.exitCode}} {{.status.reason}}' job"),
			ex("Exit codes of every exited container",
				"ctr cri inspect -a --state exited -o custom-columns=NAME:.status.metadata.name,EXIT:.status.exitCode"),
			ex("containerd's view of it: task PID, shim, snapshot",
				"ctr cri inspect --containerd app"),
		),
	}
}

// containerTargets resolves named containers with one list call, or applies
// the filters when none are named.
func containerTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.ContainerFilter) ([]runtime.Container, []error, error) {
	if len(refs) == 0 {
		l, err := c.ListContainers(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		return l.Items, nil, nil
	}
	res, err := c.ResolveContainers(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	items, _, errs := split(res, containerID)
	return items, errs, nil
}
