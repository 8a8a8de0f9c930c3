package cricli

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// newImageFsInfoCommand prints crictl's {"status": …} document by default.
func newImageFsInfoCommand() *cli.Command {
	cmd := docCommand("imagefsinfo", "Show image and container filesystem usage", catImages,
		printer.JSON, printer.VersionFormats,
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			r, err := c.ImageFsInfo(ctx)
			if err != nil {
				return nil, err
			}
			return printer.ImageFsInfo(r), nil
		})
	cmd.Metadata = about(argSpec{},
		ex("Image and container filesystem usage",
			"ctr cri imagefsinfo"),
		ex("Bytes used by images",
			"ctr cri imagefsinfo -o go-template='{{range .status.imageFilesystems}}{{.usedBytes.value}}{{end}}'"),
	)
	return cmd
}
