package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

func imageFilterFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "filter: dangling=true|false, reference=REGEXP (on the repository), before=IMAGE (listed after it), since=IMAGE (listed before it), in order (repeatable)"}
}

func newImagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Aliases:   []string{"image", "img"},
		Usage:     "List images, sorted by name",
		UsageText: "ctr cri images [options] [REPOSITORY[:TAG]]",
		Category:  catImages,
		Flags: []cli.Flag{
			imageFilterFlag(),
			&cli.BoolFlag{Name: "digests", Usage: "show digests"},
			&cli.BoolFlag{Name: "pinned", Usage: "show whether images are pinned"},
			outputFlag(printer.Table, printer.ListFormats), templateFlag(), noHeadersFlag(), quietFlag("image"), verboseFlag(), noTruncFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() > 1 {
				return usageErrorf("images takes at most one REPOSITORY[:TAG], got %d", cmd.NArg())
			}
			p, err := newPrinter(cmd)
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
				cols := views.ImageColumns{Digests: cmd.Bool("digests"), Pinned: cmd.Bool("pinned")}
				return p.Print(cmd.Root().Writer, views.Images(imgs, cols))
			})
		},
		Metadata: about(argSpec{noun: nounImages, args: 1},
			ex("List images",
				"ctr cri images"),
			ex("The tags of one repository, with digests",
				"ctr cri images --digests registry.example.com/team/app"),
			ex("IDs of the images no tag points to",
				"ctr cri images -q --filter dangling=true"),
		),
	}
}

func newInspectImageCommand() *cli.Command {
	return &cli.Command{
		Name:        "inspecti",
		Usage:       "Show the status of one or more images",
		UsageText:   "ctr cri inspecti [options] [IMAGE-ID|REF ...]",
		Description: "With no images named, --name and -f select the targets (all images without them). One target prints an object, several an array.",
		Category:    catImages,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "with no images named, select images by REPOSITORY[:TAG]"},
			imageFilterFlag(),
			outputFlag(printer.JSON, printer.ObjectFormats), templateFlag(), noHeadersFlag(), inspectQuietFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := newPrinter(cmd)
			if err != nil {
				return err
			}
			f, err := runtime.ParseImageFilters(cmd.StringSlice("filter"))
			if err != nil {
				return &UsageError{Err: err}
			}
			f.Ref = cmd.String("name")
			verbose := !cmd.Bool("quiet")
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, errs, err := imageTargets(ctx, c, cmd.Args().Slice(), f)
				if err != nil {
					return err
				}
				return inspectEach(ctx, cmd, c, p, ids, errs, func(id string) (*views.Inspected, error) {
					st, err := c.ImageStatus(ctx, id, verbose)
					if err != nil {
						return nil, err
					}
					return views.InspectImage(st), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounImages, args: argsMany},
			ex("Status and runtime info of an image",
				"ctr cri inspecti busybox"),
			ex("The image's size in bytes",
				"ctr cri inspecti -o go-template --template '{{.status.size}}' busybox"),
		),
	}
}

// imageTargets resolves named images with one list call, or lists the
// images the filters select when none are named.
func imageTargets(ctx context.Context, c *runtime.Client, refs []string, f runtime.ImageFilter) ([]string, []error, error) {
	if len(refs) == 0 {
		imgs, err := c.ListImages(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, len(imgs))
		for i, im := range imgs {
			ids[i] = im.Id
		}
		return ids, nil, nil
	}
	res, err := c.ResolveImages(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	_, ids, errs := split(res, func(im *runtime.Image) string { return im.Id })
	return ids, errs, nil
}
