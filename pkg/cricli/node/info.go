package node

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewVersionCommand returns a fresh "quiet" command: do not show the
// runtime's verbose information.
func NewVersionCommand() *cli.Command {
	var cmd *cli.Command
	cmd = cmdutil.DocCommand("version", "Show the runtime's name and version and the CRI API version", cmdutil.CatInfo, printer.Table, printer.VersionFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
		v, err := c.Version(ctx)
		if err != nil {
			return nil, err
		}
		cv := cmdutil.ClientVersion()
		if cmdutil.PersonalityOf(cmd).NoClientVersion {
			cv = "" // crictl prints the runtime's lines only
		}
		return views.Version(v, cv), nil
	})
	cmd.Metadata = cmdutil.About(cmdutil.ArgSpec{CrictlHelp: cmdutil.HelpOnArity},
		cmdutil.Ex("Runtime name and version, CRI API version",
			"ctr cri version"),
		cmdutil.Ex("The runtime's version alone",
			"ctr cri version -o jsonpath='{.runtimeVersion}'"),
	)
	return cmd
}

// NewInfoCommand returns a fresh "quiet" command: do not show the runtime's
// verbose information.
func NewInfoCommand() *cli.Command {
	var cmd *cli.Command
	cmd = cmdutil.DocCommand("info", "Show runtime conditions (RuntimeReady, NetworkReady) and the runtime's configuration", cmdutil.CatInfo, printer.JSON, printer.DocFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
		// -q asks the runtime for no verbose info, as crictl does.
		s, err := c.Status(ctx, !cmd.Bool("quiet"))
		if err != nil {
			return nil, err
		}
		return views.Info(s)
	})
	cmd.Metadata = cmdutil.About(cmdutil.ArgSpec{CrictlHelp: cmdutil.HelpOnArity},
		cmdutil.Ex("Runtime conditions and configuration",
			"ctr cri info"),
		cmdutil.Ex("One line per condition (RuntimeReady, NetworkReady)",
			`ctr cri info -o go-template='{{range .status.conditions}}{{.type}}={{.status}} {{.reason}}{{"\n"}}{{end}}'`),
	)
	cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the runtime's verbose information"})
	cmd.UseShortOptionHandling = true
	return cmd
}

// NewRuntimeConfigCommand prints crictl's "cgroup driver:" line; -o json,
// yaml and go-template are ours.
func NewRuntimeConfigCommand() *cli.Command {
	cmd := cmdutil.DocCommand("runtime-config", "Show the runtime's configuration as the kubelet sees it (cgroup driver)", cmdutil.CatInfo, printer.Table, printer.VersionFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
		r, err := c.RuntimeConfig(ctx)
		if err != nil {
			return nil, err
		}
		return views.RuntimeConfig(r), nil
	})
	cmd.Metadata = cmdutil.WithCrictl(cmdutil.About(cmdutil.ArgSpec{},
		cmdutil.Ex("The cgroup driver the runtime expects of the kubelet",
			"ctr cri runtime-config"),
	), cmdutil.CrictlSpec{IgnoreArgs: true})
	cmd.UseShortOptionHandling = true
	return cmd
}
