package pods

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewRemovePodCommand returns a fresh "rmp" command: remove one or more pods
// and their containers.
func NewRemovePodCommand() *cli.Command {
	return &cli.Command{
		Name:                   "rmp",
		UseShortOptionHandling: true,
		Usage:                  "Remove one or more pods and their containers",
		UsageText:              "ctr cri rmp [options] POD [POD...] | -a",
		Description: `Targets are resolved from one pod list. A ready (running) pod is an error unless
-f, which stops it first.`,
		Category: cmdutil.CatPods,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop ready pods first"},
			cmdutil.AllFlag("remove all pods"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := cmdutil.TargetsOrAll(cmd, "pod"); err != nil {
				return err
			}
			force := cmd.Bool("force")
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				pods, failed, err := cmdutil.ResolvePods(ctx, c, cmd, runtime.PodFilter{})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(pods) == 0 {
					cmdutil.NothingToDo(cmd, "pods")
					return nil
				}
				ready := map[string]bool{}
				ids := make([]string, len(pods))
				for i, p := range pods {
					ids[i] = p.Id
					ready[p.Id] = p.State == runtimeapi.PodSandboxState_SANDBOX_READY
				}
				return cmdutil.ForEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					var said []string
					if ready[id] {
						if !force {
							return nil, &runtime.Error{Kind: runtime.KindFailed, Op: "remove pod", ID: id, Err: errors.New("it is ready (running)"), Hint: "stop it first with stopp, or use rmp -f"}
						}
						if err := c.StopPod(ctx, id); err != nil {
							return nil, err
						}
						said = append(said, "Stopped sandbox "+id)
					}
					if err := c.RemovePod(ctx, id); err != nil {
						return said, err
					}
					return append(said, "Removed sandbox "+id), nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, Args: cmdutil.ArgsMany, Synopsis: "POD [POD...]",
			CrictlHelp: cmdutil.HelpWithoutArgsOr("all")},
			cmdutil.Ex("Remove a stopped pod",
				"ctr cri rmp web"),
			cmdutil.Ex("Stop and remove every pod",
				"ctr cri rmp -f -a"),
		),
	}
}
