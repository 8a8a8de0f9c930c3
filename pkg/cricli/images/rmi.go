package images

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewRemoveImageCommand returns a fresh "rmi" command: remove one or more
// images.
func NewRemoveImageCommand() *cli.Command {
	return &cli.Command{
		Name:                   "rmi",
		UseShortOptionHandling: true,
		Usage:                  "Remove one or more images",
		UsageText:              "ctr cri rmi [options] IMAGE [IMAGE...] | -a | --prune",
		Description: `IMAGE is a reference, an image ID or a unique ID prefix; all are resolved from one
image list. As crictl, each removed image prints one "Deleted: REF" line per tag
(per digest for an untagged image); removing by tag removes the whole image with
all its tags. --prune removes the images no container (in any state) uses, found
from one container list and one image list; pinned images are kept. -a with
--prune prunes, as crictl.

Under ctr cri, an image a running container uses is not removed: that image
fails with the containers that use it (one more container list), and the
others go on. --force removes it anyway; the container keeps running on its
snapshot. The crictl personality removes it, as crictl does.`,
		Category: cmdutil.CatImages,
		Flags: []cli.Flag{
			cmdutil.AllFlag("remove all images"),
			&cli.BoolFlag{Name: "prune", Aliases: []string{"q"}, Usage: "remove the images no container uses"},
			&cli.BoolFlag{Name: cmdutil.FlagForce, Aliases: []string{"f"}, Usage: "remove images that running containers use"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			all, prune := cmd.Bool("all"), cmd.Bool("prune")
			switch {
			case (all || prune) && cmd.NArg() > 0:
				return cmdutil.UsageErrorf("rmi: give image IDs or -a/--prune, not both")
			case !all && !prune && cmd.NArg() == 0:
				return cmdutil.UsageErrorf("rmi needs at least one image, or -a or --prune")
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				var imgs []*runtime.Image
				var failed []error
				var err error
				switch {
				case prune:
					imgs, err = c.UnusedImages(ctx)
				case all:
					imgs, err = c.ListImages(ctx, runtime.ImageFilter{})
				default:
					var res []runtime.Resolved[*runtime.Image]
					res, err = c.ResolveImages(ctx, cmd.Args().Slice())
					if err == nil {
						imgs, _, failed = cmdutil.Split(res, func(im *runtime.Image) string { return im.Id })
					}
				}
				if err != nil {
					return err
				}
				if (all || prune) && len(imgs) == 0 {
					cmdutil.NothingToDo(cmd, "images")
					return nil
				}
				if !prune && !cmd.Bool(cmdutil.FlagForce) && !cmdutil.PersonalityOf(cmd).RmiInUse {
					if imgs, failed, err = keepInUse(ctx, c, imgs, failed); err != nil {
						return err
					}
				}
				byID := make(map[string]*runtime.Image, len(imgs))
				ids := make([]string, len(imgs))
				for i, im := range imgs {
					byID[im.Id], ids[i] = im, im.Id
				}
				return cmdutil.ForEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					if err := c.RemoveImage(ctx, id); err != nil {
						return nil, err
					}
					return deletedLines(byID[id]), nil
				})
			})
		},
		Metadata: cmdutil.WithCrictl(cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounImages, Args: cmdutil.ArgsMany, Synopsis: "IMAGE [IMAGE...]",
			CrictlHelp: cmdutil.HelpWithoutArgsOr("all", "prune")},
			cmdutil.Ex("Remove an image with all its tags",
				"ctr cri rmi busybox:1.36"),
			cmdutil.Ex("Remove the images no container uses",
				"ctr cri rmi --prune"),
		), cmdutil.CrictlSpec{DropFlags: []string{cmdutil.FlagForce}}),
	}
}

// keepInUse takes the images running containers use out of imgs and adds
// one failure for each, naming the containers (at most three).
func keepInUse(ctx context.Context, c *runtime.Client, imgs []*runtime.Image, failed []error) ([]*runtime.Image, []error, error) {
	if len(imgs) == 0 {
		return imgs, failed, nil
	}
	users, err := c.RunningUsers(ctx, imgs)
	if err != nil {
		return nil, nil, err
	}
	var keep []*runtime.Image
	for _, im := range imgs {
		u := users[im.Id]
		if len(u) == 0 {
			keep = append(keep, im)
			continue
		}
		names := make([]string, 0, 3)
		for _, ct := range u[:min(len(u), 3)] {
			names = append(names, fmt.Sprintf("%s (%s)", ct.Name, printer.TruncID(ct.ID)))
		}
		more := ""
		if len(u) > 3 {
			more = fmt.Sprintf(" and %d more", len(u)-3)
		}
		failed = append(failed, fmt.Errorf("image %s is used by running container %s%s: stop them first, or use --force",
			imageName(im), strings.Join(names, ", "), more))
	}
	return keep, failed, nil
}

func imageName(im *runtime.Image) string {
	if len(im.RepoTags) > 0 {
		return im.RepoTags[0]
	}
	if len(im.RepoDigests) > 0 {
		return im.RepoDigests[0]
	}
	return printer.TruncID(im.Id)
}

// deletedLines are crictl's rmi lines: one per tag, or one per digest for
// an image pulled by digest only.
func deletedLines(im *runtime.Image) []string {
	refs := im.RepoTags
	if len(refs) == 0 {
		refs = im.RepoDigests
	}
	lines := make([]string, len(refs))
	for i, r := range refs {
		lines[i] = "Deleted: " + r
	}
	return lines
}
