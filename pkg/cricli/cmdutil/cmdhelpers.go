package cmdutil

import (
	"context"
	"slices"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// DocCommand builds a command that takes no arguments, makes one call and
// prints its result: version, info, runtime-config, imagefsinfo, metricdescs.
func DocCommand(name, usage, category, def string, formats []string, fetch func(context.Context, *runtime.Client) (*printer.Resource, error)) *cli.Command {
	return &cli.Command{
		Name:     name,
		Usage:    usage,
		Category: category,
		Flags:    docFlags(def, formats),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := NewPrinter(cmd)
			if err != nil {
				return err
			}
			return WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				r, err := fetch(ctx, c)
				if err != nil {
					return err
				}
				return p.Print(Stdout(cmd), r)
			})
		},
	}
}

// docFlags are -o and --template, and --no-headers where a format has
// headers to leave out.
func docFlags(def string, formats []string) []cli.Flag {
	flags := []cli.Flag{OutputFlag(def, formats), TemplateFlag()}
	if slices.Contains(formats, printer.CustomColumns) {
		flags = append(flags, NoHeadersFlag())
	}
	return flags
}
