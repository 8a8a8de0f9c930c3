package cricli

import (
	"context"
	"runtime/debug"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// Version is this binary's version: make stamps it with -ldflags "-X" from
// git describe. ctr --version, crictl --version, ctr cri version and
// diagnose all report clientVersion().
var Version = ""

// clientVersion is Version, else what the Go toolchain recorded: the
// module version (go install …@v1.2.3), else the VCS revision, else
// "(devel)".
func clientVersion() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		return rev + dirty
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
		Flags:    docFlags(def, formats),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd)
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

// docFlags are -o and --template, and --no-headers where a format has
// headers to leave out.
func docFlags(def string, formats []string) []cli.Flag {
	flags := []cli.Flag{outputFlag(def, formats), templateFlag()}
	if slices.Contains(formats, printer.CustomColumns) {
		flags = append(flags, noHeadersFlag())
	}
	return flags
}

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
			return views.Version(v, cv), nil
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
			return views.Info(s)
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
			return views.RuntimeConfig(r), nil
		})
	cmd.Metadata = about(argSpec{},
		ex("The cgroup driver the runtime expects of the kubelet",
			"ctr cri runtime-config"),
	)
	return cmd
}

// newImageFsInfoCommand prints crictl's {"status": …} document by default.
func newImageFsInfoCommand() *cli.Command {
	cmd := docCommand("imagefsinfo", "Show image and container filesystem usage", catImages,
		printer.JSON, printer.VersionFormats,
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.ImageFsInfo(ctx)
			if err != nil {
				return nil, err
			}
			return views.ImageFsInfo(r), nil
		})
	cmd.Metadata = about(argSpec{},
		ex("Image and container filesystem usage",
			"ctr cri imagefsinfo"),
		ex("Bytes used by images",
			"ctr cri imagefsinfo -o go-template='{{range .status.imageFilesystems}}{{.usedBytes.value}}{{end}}'"),
	)
	return cmd
}

func noArgs(cmd *cli.Command) error {
	if cmd.NArg() > 0 && !crictlIgnoresArgs(cmd) {
		return usageErrorf("%s takes no arguments, got %q", cmd.Name, cmd.Args().First())
	}
	return nil
}
