package cricli

import (
	"context"
	"runtime/debug"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Version is the client version; the Makefile sets it with -ldflags.
var Version = ""

func clientVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// docCommand builds a command that takes no arguments, makes one call and
// prints its result: version, info, runtime-config, imagefsinfo, metricdescs.
func docCommand(name, usage, category, def string, formats []string, fetch func(context.Context, *runtime.Client) (*printer.Resource, error)) *cli.Command {
	return &cli.Command{
		Name:     name,
		Usage:    usage,
		Category: category,
		Flags:    []cli.Flag{outputFlag(def, formats), templateFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, formats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				r, err := fetch(ctx, c)
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, r)
			})
		},
	}
}

func newVersionCommand() *cli.Command {
	return docCommand("version", "Show the runtime's name and version and the CRI API version", catInfo,
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
}

func newInfoCommand() *cli.Command {
	return docCommand("info", "Show runtime conditions (RuntimeReady, NetworkReady) and the runtime's configuration", catInfo,
		printer.JSON, printer.DocFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			s, err := c.Status(ctx, true)
			if err != nil {
				return nil, err
			}
			return printer.Info(s), nil
		})
}

func newRuntimeConfigCommand() *cli.Command {
	return docCommand("runtime-config", "Show the runtime's configuration as the kubelet sees it (cgroup driver)", catInfo,
		printer.JSON, printer.DocFormats, func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.RuntimeConfig(ctx)
			if err != nil {
				return nil, err
			}
			return printer.Message(r), nil
		})
}

func newImageFsInfoCommand() *cli.Command {
	return docCommand("imagefsinfo", "Show image and container filesystem usage", catImages,
		printer.Table, []string{printer.Table, printer.JSON, printer.YAML, printer.GoTemplate},
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.ImageFsInfo(ctx)
			if err != nil {
				return nil, err
			}
			return printer.ImageFsInfo(r), nil
		})
}

func noArgs(cmd *cli.Command) error {
	if cmd.NArg() > 0 && !crictlIgnoresArgs(cmd) {
		return usageErrorf("%s takes no arguments, got %q", cmd.Name, cmd.Args().First())
	}
	return nil
}
