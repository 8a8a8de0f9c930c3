// Package cricli assembles the `ctr cri` command tree (and its crictl
// personality) from the command groups beside it, whose thin commands parse
// flags, call pkg/runtime and hand typed results to pkg/printer.
package cricli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/completion"
	"github.com/ctrcri/ctrcri/pkg/cricli/config"
	"github.com/ctrcri/ctrcri/pkg/cricli/containers"
	"github.com/ctrcri/ctrcri/pkg/cricli/help"
	"github.com/ctrcri/ctrcri/pkg/cricli/images"
	nodecmd "github.com/ctrcri/ctrcri/pkg/cricli/node" // node(t) is the tests' fake node
	"github.com/ctrcri/ctrcri/pkg/cricli/pods"
	"github.com/ctrcri/ctrcri/pkg/cricli/streaming"
	"github.com/ctrcri/ctrcri/pkg/cricli/urfavex"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// subcommands builds the cri command tree; Command calls it for every tree
// it makes (ctr cri, the crictl personality, tests), so no two trees share
// a command or flag value.
func subcommands() []*cli.Command {
	cmds := []*cli.Command{
		nodecmd.NewVersionCommand(),
		nodecmd.NewInfoCommand(),
		nodecmd.NewRuntimeConfigCommand(),
		pods.NewPodsCommand(),
		pods.NewInspectPodCommand(),
		containers.NewPsCommand(),
		containers.NewInspectCommand(),
		images.NewImagesCommand(),
		images.NewInspectImageCommand(),
		images.NewImageFsInfoCommand(),
		pods.NewRunPodCommand(),
		containers.NewCreateCommand(),
		containers.NewStartCommand(),
		containers.NewRunCommand(),
		containers.NewStopCommand(),
		pods.NewStopPodCommand(),
		containers.NewRemoveCommand(),
		pods.NewRemovePodCommand(),
		containers.NewUpdateCommand(),
		containers.NewCheckpointCommand(),
		nodecmd.NewUpdateRuntimeConfigCommand(),
		config.NewConfigCommand(),
		images.NewPullCommand(),
		images.NewRemoveImageCommand(),
		images.NewLoadCommand(),
		images.NewSaveCommand(),
		nodecmd.NewOrphansCommand(),
		nodecmd.NewDiagnoseCommand(),
		streaming.NewExecCommand(),
		streaming.NewAttachCommand(),
		streaming.NewPortForwardCommand(),
		streaming.NewLogsCommand(),
		streaming.NewStatsCommand(),
		streaming.NewPodStatsCommand(),
		streaming.NewPodMetricsCommand(),
		streaming.NewMetricDescsCommand(),
		streaming.NewEventsCommand(),
		completion.NewCompletionCommand(),
	}
	return cmds
}

// Options are what a tree is built with: the zero value is the binary's;
// tests pin the clock, the host, containerd and files through it.
type Options = cmdutil.Options

// Command returns a fresh `cri` command for ctr's tree.
func Command() *cli.Command { return NewCommand(Options{}) }

// NewCommand returns a fresh `cri` command built with opts.
func NewCommand(opts Options) *cli.Command {
	cmd := &cli.Command{
		Name:  "cri",
		Usage: "Inspect and drive the Kubernetes CRI (pods, containers, images) of this containerd",
		Description: `ctr cri speaks the Kubernetes CRI (v1) to containerd's in-process CRI plugin, with
crictl's command and flag names. Endpoint, first match wins: cri -r, ctr --address on
the command line, CONTAINER_RUNTIME_ENDPOINT, CONTAINERD_ADDRESS, crictl's config file,
/run/containerd/containerd.sock.

Global flags (ctr cri's, and ctr's --address and --connect-timeout) work before or
after the subcommand; after it, a letter the subcommand uses is the subcommand's
(ps -a, ps -r), so use the long form: "ctr cri ps -a --address SOCK". CRI objects
live in containerd namespace k8s.io: ctr -n may only name that one, and
CONTAINERD_NAMESPACE is ignored; ctr --debug is -D.

Exit codes: 0 success, 1 operation failed, 2 usage error, 3 runtime unreachable.`,
		UsageText: "ctr [ctr options] cri [cri options] COMMAND [options] [arguments...]",
		Flags:     cmdutil.GlobalFlags(),
		Commands:  subcommands(),
		Action:    unknownSubcommand,
		Metadata: cmdutil.About(cmdutil.ArgSpec{},
			cmdutil.Ex("What runs on this node: pods, then their containers",
				"ctr cri pods && ctr cri ps -a"),
			cmdutil.Ex("Why is a pod not ready? The runtime's conditions, then a whole report",
				"ctr cri info -q && ctr cri diagnose"),
			cmdutil.Ex("Follow the logs of container app, or read its previous attempt's",
				"ctr cri logs -f app; ctr cri logs --previous app"),
			cmdutil.Ex("Open a shell in container app",
				"ctr cri exec -it app sh"),
			cmdutil.Ex("Load an image archive for CRI on an air-gapped node",
				"ctr cri load app.tar"),
			cmdutil.Ex("Talk to another containerd (k3s)",
				"ctr -a /run/k3s/containerd/containerd.sock cri ps"),
			cmdutil.Ex("The endpoint chosen and every call, on stderr",
				"ctr cri -D pods"),
		),
	}
	setUsageErrors(cmd)
	cmdutil.CheckArity(cmd)
	cmdutil.FillSynopses(cmd, "ctr cri")
	urfavex.GluedFormats(cmd, cmdutil.OutputFormatsOf)
	completion.EnableCompletion(cmd)
	cmdutil.NewSession(opts).Attach(cmd)
	return cmd
}

func unknownSubcommand(ctx context.Context, cmd *cli.Command) error {
	if cmd.NArg() > 0 && cmdutil.PersonalityOf(cmd).HelpTopicForUnknown {
		return helpTopicError(cmd.Args().First())
	}
	if cmd.NArg() > 0 {
		name := cmd.Args().First()
		if s := cli.SuggestCommand(cmd.Commands, name); s != "" {
			return cmdutil.UsageErrorf("unknown command %q for %q (did you mean %q?)", name, cmd.FullName(), s)
		}
		return cmdutil.UsageErrorf("unknown command %q for %q", name, cmd.FullName())
	}
	return cli.ShowSubcommandHelp(cmd)
}

// setUsageErrors makes flag-parsing failures anywhere in the tree a
// UsageError (exit 2) with no help text dumped on stdout.
func setUsageErrors(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, _ *cli.Command, err error, _ bool) error {
		return cmdutil.FlagUsageError(err)
	}
	for _, sub := range cmd.Commands {
		setUsageErrors(sub)
	}
}

// CrictlCommand returns the tree as a standalone `crictl` root, for the
// multicall personality.
func CrictlCommand() *cli.Command { return NewCrictlCommand(Options{}) }

// NewCrictlCommand is CrictlCommand built with opts.
func NewCrictlCommand(opts Options) *cli.Command {
	cmd := NewCommand(opts)
	crictlize(cmd)
	return cmd
}

// Run executes root with args and returns the exit code, writing one
// "<prog>: <error>" line per failure on stderr.
func Run(ctx context.Context, root *cli.Command, args []string, stdout, stderr io.Writer) int {
	complete, refuse := completion.CompletionRequest(args)
	if refuse {
		return ExitOK
	}
	if complete {
		stderr = io.Discard // the shell shows it on the command line
	}
	installVersionPrinter()
	help.InstallHelpPrinter()
	completion.CompleteUpstream(root)
	cmdutil.WatchAddressEnv(root)
	cmdutil.InstallGlobals(root)
	personality := cmdutil.PersonalityOf(root)
	cmdutil.SetStreams(root, stdout, stderr)
	if root.OnUsageError == nil {
		root.OnUsageError = func(_ context.Context, _ *cli.Command, err error, _ bool) error {
			return cmdutil.FlagUsageError(err)
		}
	}
	// ctr's own "completion SHELL" (urfave/cli's) prints the same scripts as
	// "ctr cri completion SHELL": its bash script eval'ed the command line.
	root.ConfigureShellCompletionCommand = func(c *cli.Command) {
		// The guide tells users to run it: list it in ctr --help (crictl's
		// tree has its own, listed, so urfave's stays hidden there).
		c.Hidden = slices.ContainsFunc(root.Commands, func(o *cli.Command) bool { return o != c && o.Name == c.Name })
		c.Usage = "Print the shell completion script for bash, zsh, fish or pwsh"
		for _, sub := range c.Commands {
			if slices.Contains(cmdutil.Shells, sub.Name) {
				sub.Action = func(_ context.Context, cmd *cli.Command) error {
					script, err := completion.CompletionScript(cmd.Root().Name, cmd.Name)
					if err == nil {
						_, err = io.WriteString(cmdutil.Stdout(cmd), script)
					}
					return err
				}
			}
		}
	}
	// Our errors are reported here, once; never let urfave exit on its own.
	root.ExitErrHandler = func(context.Context, *cli.Command, error) {}
	err := root.Run(ctx, args)
	prog := root.Name
	for _, line := range cmdutil.ErrorLines(err) {
		// Messages built for ctr cri name the command as its users type it.
		line = personality.Typed(line)
		// Error text carries runtime, registry and config strings: one
		// escaped line each, whatever they contain.
		fmt.Fprintf(stderr, "%s: %s\n", prog, printer.Escape(line))
	}
	if personality.Standalone {
		return crictlExitCode(err)
	}
	if isHelpTopicError(err) {
		// urfave says 3, which ctr cri reserves for an unreachable runtime.
		return ExitUsage
	}
	return cmdutil.ExitCode(err)
}

// Main is the process entry point for both personalities.
func Main(newCtr func() *cli.Command) int {
	ctx := context.Background()
	if IsCrictl(os.Args[0]) {
		return Run(ctx, CrictlCommand(), os.Args, os.Stdout, os.Stderr)
	}
	root := newCtr()
	root.Commands = append(root.Commands, Command())
	return Run(ctx, root, os.Args, os.Stdout, os.Stderr)
}

// Exit codes of every ctr cri command (cmdutil's, for callers outside the
// tree).
const (
	ExitOK          = cmdutil.ExitOK
	ExitFailed      = cmdutil.ExitFailed
	ExitUsage       = cmdutil.ExitUsage
	ExitUnreachable = cmdutil.ExitUnreachable
)
