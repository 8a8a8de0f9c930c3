package images

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

func imageFilterFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "filter: dangling=true|false, reference=REGEXP (on the repository), before=IMAGE (listed after it), since=IMAGE (listed before it), in order (repeatable)"}
}

// NewImagesCommand returns a fresh "images" command: list images, sorted by
// name.
func NewImagesCommand() *cli.Command {
	return &cli.Command{
		Name:                   "images",
		UseShortOptionHandling: true,
		Aliases:                []string{"image", "img"},
		Usage:                  "List images, sorted by name",
		Category:               cmdutil.CatImages,
		Flags: []cli.Flag{
			imageFilterFlag(),
			&cli.BoolFlag{Name: "digests", Usage: "show digests"},
			&cli.BoolFlag{Name: "pinned", Usage: "show whether images are pinned"},
			cmdutil.OutputFlag(printer.Table, printer.ListFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
			cmdutil.QuietFlag("image"),
			cmdutil.VerboseFlag(),
			cmdutil.NoTruncFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := runtime.ParseImageFilters(cmd.StringSlice("filter"))
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			f.Ref = cmd.Args().First()
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				imgs, err := c.ListImages(ctx, f)
				if err != nil {
					return err
				}
				cols := views.ImageColumns{Digests: cmd.Bool("digests"), Pinned: cmd.Bool("pinned")}
				return p.Print(cmdutil.Stdout(cmd), views.Images(imgs, cols))
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounImages, Args: 1, Synopsis: "[REPOSITORY[:TAG]]", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("List images",
				"ctr cri images"),
			cmdutil.Ex("The tags of one repository, with digests",
				"ctr cri images --digests registry.example.com/team/app"),
			cmdutil.Ex("IDs of the images no tag points to",
				"ctr cri images -q --filter dangling=true"),
		),
	}
}

// NewInspectImageCommand returns a fresh "inspecti" command: show the status
// of one or more images.
func NewInspectImageCommand() *cli.Command {
	return &cli.Command{
		Name:                   "inspecti",
		UseShortOptionHandling: true,
		Usage:                  "Show the status of one or more images",
		Description:            "With no images named, --name and -f select the targets (all images without them). One target prints an object, several an array.",
		Category:               cmdutil.CatImages,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "with no images named, select images by REPOSITORY[:TAG]"},
			imageFilterFlag(),
			cmdutil.OutputFlag(printer.JSON, printer.ObjectFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
			cmdutil.InspectQuietFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := runtime.ParseImageFilters(cmd.StringSlice("filter"))
			if err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			f.Ref = cmd.String("name")
			verbose := !cmd.Bool("quiet")
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, errs, err := imageTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				return cmdutil.InspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.ImageStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return views.InspectImage(st), nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounImages, Args: cmdutil.ArgsMany, Synopsis: "[IMAGE-ID|REF ...]"},
			cmdutil.Ex("Status and runtime info of an image",
				"ctr cri inspecti busybox"),
			cmdutil.Ex("The image's size in bytes",
				"ctr cri inspecti -o go-template --template '{{.status.size}}' busybox"),
		),
	}
}

// imageTargets resolves named images with one list call, or lists the
// images the filters select when none are named.
func imageTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.ImageFilter) ([]string, []error, error) {
	_, ids, errs, err := cmdutil.Targets(refs,
		func() ([]*runtime.Image, error) { return c.ListImages(ctx, f) },
		func(refs []string) ([]runtime.Resolved[*runtime.Image], error) { return c.ResolveImages(ctx, refs) },
		func(im *runtime.Image) string { return im.Id })
	return ids, errs, err
}
