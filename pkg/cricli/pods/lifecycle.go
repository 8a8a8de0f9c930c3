package pods

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewRunPodCommand returns a fresh "runp" command: run a new pod from a pod
// config file and print its ID.
func NewRunPodCommand() *cli.Command {
	return &cli.Command{
		Name:  "runp",
		Usage: "Run a new pod from a pod config file and print its ID",
		Description: cmdutil.ConfigHelp + `

metadata.name and metadata.namespace are required; metadata.uid is generated
when missing. Set linux.cgroup_parent as the kubelet does (e.g. /mypods/NAME
with the cgroupfs driver; see runtime-config), or pod stats will not work.`,
		Category: cmdutil.CatPods,
		Flags:    []cli.Flag{cmdutil.RuntimeHandlerFlag(), cmdutil.CancelTimeoutFlag()},
		Commands: []*cli.Command{cmdutil.JSONSchemaCommand("runp", true)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			cfg, err := cmdutil.LoadPodConfig(cmd, cmd.Args().First())
			if err != nil {
				return err
			}
			ctx, err = cmdutil.RPCContext(ctx, cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				id, err := c.RunPod(ctx, cfg, cmd.String("runtime"))
				if err != nil {
					return err
				}
				fmt.Fprintln(cmdutil.Stdout(cmd), printer.Escape(id))
				return nil
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Files: 1, Min: 1, Synopsis: "POD-CONFIG.json|yaml", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Run a pod from a config file and print its ID",
				"ctr cri runp pod.yaml"),
			cmdutil.Ex("Run it with another runtime handler",
				"ctr cri runp -r runc pod.yaml"),
		),
	}
}

// NewStopPodCommand returns a fresh "stopp" command: stop one or more pods
// (their containers and sandbox).
func NewStopPodCommand() *cli.Command {
	return &cli.Command{
		Name:        "stopp",
		Usage:       "Stop one or more pods (their containers and sandbox)",
		UsageText:   "ctr cri stopp POD [POD...] | -a",
		Description: "POD is an ID, unique prefix, name or namespace/name. An unknown pod is an error (crictl ignores it). On a terminal, a pod still stopping after a second (a container waiting out its grace period) is shown on stderr until it is stopped.",
		Category:    cmdutil.CatPods,
		Flags:       []cli.Flag{cmdutil.AllFlag("stop all ready pods")},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := cmdutil.TargetsOrAll(cmd, "pod"); err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				pods, failed, err := cmdutil.ResolvePods(ctx, c, cmd, runtime.PodFilter{State: "ready"})
				if err != nil {
					return err
				}
				ids := make([]string, len(pods))
				names := make(map[string]string, len(pods))
				for i, p := range pods {
					ids[i] = p.Id
					if m := p.GetMetadata(); m != nil {
						names[p.Id] = m.GetNamespace() + "/" + m.GetName()
					}
				}
				ids, failed, op := cmdutil.StopUnknownAsCrictl(cmd, ids, failed, c.StopPod)
				describe := func(id string) (string, string) {
					name := names[id]
					if name == "" {
						name = printer.TruncID(id)
					}
					return "Stopping pod " + name, "waiting for its containers to exit (each is killed when its grace period ends)"
				}
				return cmdutil.ForEachSayWaiting(ctx, cmd, ids, failed, describe, func(ctx context.Context, id string) ([]string, error) {
					if err := op(ctx, id); err != nil {
						return nil, err
					}
					return []string{"Stopped sandbox " + id}, nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, State: "ready", Args: cmdutil.ArgsMany, Synopsis: "POD [POD...]",
			CrictlHelp: cmdutil.HelpWithoutArgsOr("all")},
			cmdutil.Ex("Stop pod web of namespace shop",
				"ctr cri stopp shop/web"),
			cmdutil.Ex("Stop every ready pod",
				"ctr cri stopp -a"),
		),
	}
}
