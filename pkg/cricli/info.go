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

func newVersionCommand() *cli.Command {
	return &cli.Command{
		Name:     "version",
		Usage:    "Show the runtime's name and version and the CRI API version",
		Category: catInfo,
		Flags:    []cli.Flag{outputFlag(printer.Table, printer.VersionFormats), templateFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, printer.VersionFormats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				v, err := c.Version(ctx)
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, printer.Version(v, clientVersion()))
			})
		},
	}
}

func newInfoCommand() *cli.Command {
	return &cli.Command{
		Name:     "info",
		Usage:    "Show runtime conditions (RuntimeReady, NetworkReady) and the runtime's configuration",
		Category: catInfo,
		Flags:    []cli.Flag{outputFlag(printer.JSON, printer.DocFormats), templateFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, printer.DocFormats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				s, err := c.Status(ctx, true)
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, printer.Info(s))
			})
		},
	}
}

func newRuntimeConfigCommand() *cli.Command {
	return &cli.Command{
		Name:     "runtime-config",
		Usage:    "Show the runtime's configuration as the kubelet sees it (cgroup driver)",
		Category: catInfo,
		Flags:    []cli.Flag{outputFlag(printer.JSON, printer.DocFormats), templateFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, printer.DocFormats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				r, err := c.RuntimeConfig(ctx)
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, printer.Message(r))
			})
		},
	}
}

func newImageFsInfoCommand() *cli.Command {
	formats := []string{printer.Table, printer.JSON, printer.YAML, printer.GoTemplate}
	return &cli.Command{
		Name:     "imagefsinfo",
		Usage:    "Show image and container filesystem usage",
		Category: catImages,
		Flags:    []cli.Flag{outputFlag(printer.Table, formats), templateFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd, formats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				r, err := c.ImageFsInfo(ctx)
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, printer.ImageFsInfo(r))
			})
		},
	}
}

func noArgs(cmd *cli.Command) error {
	if cmd.NArg() > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.Name, cmd.Args().First())
	}
	return nil
}
