package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewRemoveCommand returns a fresh "rm" command: remove one or more
// containers, and their log files unless -k.
func NewRemoveCommand() *cli.Command {
	return &cli.Command{
		Name:                   "rm",
		UseShortOptionHandling: true,
		Usage:                  "Remove one or more containers, and their log files unless -k",
		UsageText:              "ctr cri rm [options] CONTAINER [CONTAINER...] | -a",
		Description: `Targets are resolved from one container list. A running container is an error
unless -f, which stops it first (no grace period). As crictl does, the container's
log file and its rotations are deleted unless -k; that needs one status call per
container for the log path.`,
		Category: cmdutil.CatContainers,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop running containers first"},
			&cli.BoolFlag{Name: "keep-logs", Aliases: []string{"k"}, Usage: "keep the container's log file and its rotations"},
			cmdutil.AllFlag("remove all containers"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := cmdutil.TargetsOrAll(cmd, "container"); err != nil {
				return err
			}
			force, keepLogs := cmd.Bool("force"), cmd.Bool("keep-logs")
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				items, failed, err := cmdutil.ResolveContainers(ctx, c, cmd, runtime.ContainerFilter{All: true})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(items) == 0 {
					cmdutil.NothingToDo(cmd, "containers")
					return nil
				}
				running := map[string]bool{}
				ids := make([]string, len(items))
				for i, it := range items {
					ids[i] = it.Id
					running[it.Id] = it.State == runtimeapi.ContainerState_CONTAINER_RUNNING
				}
				// As crictl, -f on a running container prints its ID twice:
				// once stopped, once removed.
				return cmdutil.ForEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					var said []string
					if running[id] {
						if !force {
							return nil, &runtime.Error{Kind: runtime.KindFailed, Op: "remove container", ID: id, Err: errors.New("it is running"), Hint: "stop it first, or use rm -f"}
						}
						if err := c.StopContainer(ctx, id, 0); err != nil {
							return nil, err
						}
						said = append(said, id)
					}
					var log runtime.ContainerLog
					if !keepLogs {
						l, err := c.ContainerLogOf(ctx, id)
						if err != nil {
							return said, err
						}
						log = l
					}
					if err := c.RemoveContainer(ctx, id); err != nil {
						return said, err
					}
					said = append(said, id)
					if err := runtime.RemoveLogFiles(log); err != nil {
						return said, fmt.Errorf("container %q removed, but not its logs: %w", id, err)
					}
					return said, nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, Args: cmdutil.ArgsMany, Synopsis: "CONTAINER [CONTAINER...]",
			CrictlHelp: cmdutil.HelpWithoutArgsOr("all")},
			cmdutil.Ex("Remove an exited container and its logs",
				"ctr cri rm app"),
			cmdutil.Ex("Stop and remove a running container, keeping its logs",
				"ctr cri rm -f -k app"),
		),
	}
}
