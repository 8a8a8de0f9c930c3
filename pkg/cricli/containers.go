package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func newPsCommand() *cli.Command {
	return &cli.Command{
		Name:     "ps",
		Usage:    "List containers (running only unless -a), newest first, with their pod's name and namespace",
		Category: catContainers,
		Flags: append(withShortState(containerFilterFlags()),
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all containers, not only running ones"},
			&cli.BoolFlag{Name: "resolve-image-path", Aliases: []string{"r"}, Usage: "show the image's repo:tag instead of the ref it was created with"},
			outputFlag(printer.Table, printer.ListFormats), templateFlag(), quietFlag("container"), verboseFlag(), noTruncFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, printer.ListFormats)
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
				l, err := c.ListContainers(ctx, f)
				if err != nil {
					return err
				}
				if cmd.String("output") == printer.Wide {
					if err := ctrd.JoinTaskPIDs(ctx, containerdFor(cmd, c), l); err != nil {
						return err
					}
				}
				return p.Print(cmd.Root().Writer, printer.Containers(l, clock(cmd)))
			})
		},
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
			outputFlag(printer.JSON, printer.ObjectFormats), templateFlag(), inspectQuietFlag(), containerdFlag()),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := newPrinter(cmd, printer.ObjectFormats)
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
				ids, errs, err := containerTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*printer.Inspected, error) {
					st, err := c.ContainerStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return printer.InspectContainer(st, clock(cmd)), nil
				})
			})
		},
	}
}

// containerTargets resolves named containers with one list call, or applies
// the filters when none are named.
func containerTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.ContainerFilter) ([]string, []error, error) {
	if len(refs) == 0 {
		l, err := c.ListContainers(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, len(l.Items))
		for i := range l.Items {
			ids[i] = l.Items[i].Id
		}
		return ids, nil, nil
	}
	res, err := c.ResolveContainers(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	_, ids, errs := split(res, containerID)
	return ids, errs, nil
}
