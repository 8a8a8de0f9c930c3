package streaming

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/stream"
)

// NewPortForwardCommand returns a fresh "port-forward" command: forward local
// ports to ports inside a pod's network namespace.
func NewPortForwardCommand() *cli.Command {
	return &cli.Command{
		Name:  "port-forward",
		Usage: "Forward local ports to ports inside a pod's network namespace",
		Description: `Listens on localhost (127.0.0.1 and ::1) only. LOCAL defaults to REMOTE; 0 or an
empty LOCAL (":8080") picks a free port, printed in the "Forwarding from" line.
Runs until Ctrl-C (exit 0) or until the connection to the pod is lost (exit 1).
POD is an ID, a unique prefix, a name or namespace/name.`,
		Category: cmdutil.CatStreaming,
		Flags:    streamFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			cfg, err := streamConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			root := cmd.Root()
			errOut := termui.NewMessageWriter(cmdutil.Stderr(cmd), &sync.Mutex{}, root.Name+": ")
			defer errOut.Close()
			fw, err := stream.NewPortForwarder(ctx, cmd.Args().Tail(), cfg, cmdutil.Stdout(cmd), errOut)
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolvePods(ctx, cmd.Args().Slice()[:1])
				if err != nil {
					return err
				}
				if res[0].Err != nil {
					return containerNotPod(ctx, cmd, c, res[0].Err)
				}
				return fw.Run(ctx, c, res[0].Item.Id)
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, State: "ready", Args: 1, Rest: cmdutil.ArgsMany, Min: 2,
			Synopsis: "POD [LOCAL:]REMOTE...", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Forward localhost:8080 to port 80 of pod web",
				"ctr cri port-forward web 8080:80"),
		),
	}
}

// containerNotPod explains a pod that was not found when the name is a
// container's (A.6): port-forward takes the pod, and says which one.
func containerNotPod(ctx context.Context, cmd *cli.Command, c *runtime.Client, podErr error) error {
	var e *runtime.Error
	if !runtime.IsNotFound(podErr) || !errors.As(podErr, &e) {
		return podErr
	}
	res, err := c.ResolveContainers(ctx, []string{e.ID})
	if err != nil || res[0].Err != nil {
		return podErr
	}
	ct := res[0].Item
	pod := ct.PodNamespace + "/" + ct.PodName
	if ct.PodName == "" {
		pod = printer.TruncID(ct.PodSandboxId)
	}
	e.Hint = fmt.Sprintf("%s is a container of pod %s: ctr cri port-forward %s %s", e.ID, pod, pod, strings.Join(cmd.Args().Tail(), " "))
	return podErr
}
