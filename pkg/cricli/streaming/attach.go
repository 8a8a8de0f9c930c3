package streaming

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/stream"
)

// NewAttachCommand returns a fresh "attach" command: attach to the main
// process of a running container.
func NewAttachCommand() *cli.Command {
	return &cli.Command{
		Name:  "attach",
		Usage: "Attach to the main process of a running container",
		Description: `Streams the container's output; -i also passes stdin, -t treats the container's
terminal as yours (it must have been created with tty). Detach with ctrl-p ctrl-q
or Ctrl-C: the container keeps running.`,
		Category:               cmdutil.CatStreaming,
		UseShortOptionHandling: true,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "the container has a terminal: use yours in raw mode"},
			&cli.BoolFlag{Name: "stdin", Aliases: []string{"i"}, Usage: "pass stdin to the container"},
		},
			streamFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			cfg, err := streamConfig(cmd)
			if err != nil {
				return err
			}
			o := sessionOptions{stdin: cmd.Bool("stdin"), tty: cmd.Bool("tty"), out: cmdutil.Stdout(cmd), errOut: cmdutil.Stderr(cmd)}
			if o.tty && o.stdin {
				if _, ok := termui.TerminalFd(cmd.Root().Reader); !ok {
					return cmdutil.UsageErrorf("-t needs a terminal on stdin: drop -t to pipe input")
				}
			}
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				if res[0].Err != nil {
					return res[0].Err
				}
				id := res[0].Item.Id
				err = session(ctx, cmd, o, func(ctx context.Context, s stream.Streams) error {
					return stream.Attach(ctx, c, id, s, cfg)
				})
				if termui.Interrupted(ctx, err) {
					// Leaving an attach with Ctrl-C is a detach.
					return nil
				}
				return err
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, State: "running", Args: 1, Min: 1, Synopsis: "CONTAINER",
			CrictlHelp: func(c *cli.Command) bool { return c.NArg() > 1 && c.Args().First() != "" }},
			cmdutil.Ex("Attach to the terminal of container web's main process (detach with ctrl-p, ctrl-q)",
				"ctr cri attach -it web"),
			cmdutil.Ex("Watch the output of a running container without sending it input",
				"ctr cri attach web"),
		),
	}
}
