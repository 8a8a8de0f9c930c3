package images

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewImageFsInfoCommand prints crictl's {"status": …} document by default.
func NewImageFsInfoCommand() *cli.Command {
	cmd := cmdutil.DocCommand("imagefsinfo", "Show image and container filesystem usage", cmdutil.CatImages, printer.JSON, printer.VersionFormats,
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.ImageFsInfo(ctx)
			if err != nil {
				return nil, err
			}
			return views.ImageFsInfo(r), nil
		})
	cmd.Metadata = cmdutil.WithCrictl(cmdutil.About(cmdutil.ArgSpec{},
		cmdutil.Ex("Image and container filesystem usage",
			"ctr cri imagefsinfo"),
		cmdutil.Ex("Bytes used by images",
			"ctr cri imagefsinfo -o go-template='{{range .status.imageFilesystems}}{{.usedBytes.value}}{{end}}'"),
	), cmdutil.CrictlSpec{IgnoreArgs: true})
	cmd.UseShortOptionHandling = true
	return cmd
}
