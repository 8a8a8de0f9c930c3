package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func newImagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Aliases:   []string{"image", "img"},
		Usage:     "List images, sorted by name",
		UsageText: "ctr cri images [options] [REPOSITORY[:TAG]]",
		Category:  catImages,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "filter: dangling=true|false, reference=GLOB, before=IMAGE, since=IMAGE (repeatable)"},
			&cli.BoolFlag{Name: "digests", Usage: "show digests"},
			&cli.BoolFlag{Name: "pinned", Usage: "show whether images are pinned"},
			outputFlag(printer.Table, printer.ListFormats), templateFlag(), quietFlag("image"), verboseFlag(), noTruncFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() > 1 {
				return usageErrorf("images takes at most one REPOSITORY[:TAG], got %d", cmd.NArg())
			}
			p, err := newPrinter(cmd, printer.ListFormats)
			if err != nil {
				return err
			}
			f, err := runtime.ParseImageFilters(cmd.StringSlice("filter"))
			if err != nil {
				return &UsageError{Err: err}
			}
			f.Ref = cmd.Args().First()
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				imgs, err := c.ListImages(ctx, f)
				if err != nil {
					return err
				}
				cols := printer.ImageColumns{Digests: cmd.Bool("digests"), Pinned: cmd.Bool("pinned")}
				return p.Print(cmd.Root().Writer, printer.Images(imgs, cols))
			})
		},
	}
}

func newInspectImageCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspecti",
		Usage:     "Show the status of one or more images",
		UsageText: "ctr cri inspecti [options] IMAGE-ID|REF ...",
		Category:  catImages,
		Flags:     []cli.Flag{outputFlag(printer.JSON, printer.ObjectFormats), templateFlag(), quietFlag("image")},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() == 0 {
				return usageErrorf("inspecti needs at least one image ID or reference")
			}
			p, err := newPrinter(cmd, printer.ObjectFormats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveImages(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, errs := split(res, func(im *runtime.Image) string { return im.Id })
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*printer.Inspected, error) {
					st, err := c.ImageStatus(ctx, id, true)
					if err != nil {
						return nil, err
					}
					return printer.InspectImage(st), nil
				})
			})
		},
	}
}
