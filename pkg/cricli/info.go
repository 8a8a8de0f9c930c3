package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func newVersionCommand() *cli.Command {
	cmd := docCommand("version", "Show the runtime's name and version and the CRI API version", catInfo,
		printer.Table, printer.VersionFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			v, err := c.Version(ctx)
			if err != nil {
				return nil, err
			}
			cv := clientVersion()
			if isCrictlContext(ctx) {
				cv = "" // crictl prints the runtime's lines only
			}
			return printer.Version(v, cv), nil
		})
	cmd.Metadata = about(argSpec{},
		ex("Runtime name and version, CRI API version",
			"ctr cri version"),
		ex("The runtime's version alone",
			"ctr cri version -o jsonpath='{.runtimeVersion}'"),
	)
	return cmd
}

func newInfoCommand() *cli.Command {
	var cmd *cli.Command
	cmd = docCommand("info", "Show runtime conditions (RuntimeReady, NetworkReady) and the runtime's configuration", catInfo,
		printer.JSON, printer.DocFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			// -q asks the runtime for no verbose info, as crictl does.
			s, err := c.Status(ctx, !cmd.Bool("quiet"))
			if err != nil {
				return nil, err
			}
			return printer.Info(s)
		})
	cmd.Metadata = about(argSpec{},
		ex("Runtime conditions and configuration",
			"ctr cri info"),
		ex("One line per condition (RuntimeReady, NetworkReady)",
			`ctr cri info -o go-template='{{range .status.conditions}}{{.type}}={{.status}} {{.reason}}{{"\n"}}{{end}}'`),
	)
	cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the runtime's verbose information"})
	return cmd
}

// newRuntimeConfigCommand prints crictl's "cgroup driver:" line; -o json,
// yaml and go-template are ours.
func newRuntimeConfigCommand() *cli.Command {
	cmd := docCommand("runtime-config", "Show the runtime's configuration as the kubelet sees it (cgroup driver)", catInfo,
		printer.Table, printer.VersionFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.RuntimeConfig(ctx)
			if err != nil {
				return nil, err
			}
			return printer.RuntimeConfig(r), nil
		})
	cmd.Metadata = about(argSpec{},
		ex("The cgroup driver the runtime expects of the kubelet",
			"ctr cri runtime-config"),
	)
	return cmd
}
