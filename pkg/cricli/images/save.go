package images

import (
	"context"
	"errors"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/outfile"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// saveProgress wraps save's writer to show progress on a terminal, against
// what the images hold (their CRI size: the blobs for this platform, near
// the archive's size). end leaves the final line after a success and
// erases the bar otherwise.
func saveProgress(ctx context.Context, cmd *cli.Command, c *runtime.Client, out string, refs []string) (wrap func(io.Writer) io.Writer, end func(error)) {
	v := cmdutil.NewLiveView(cmd)
	if v == nil {
		return func(w io.Writer) io.Writer { return w }, func(error) {}
	}
	t := views.Transfer{Name: out, Estimated: true}
	if res, err := c.ResolveImages(ctx, refs); err == nil {
		seen := map[string]bool{}
		for _, r := range res {
			if r.Err == nil && !seen[r.Item.Id] {
				seen[r.Item.Id] = true
				t.Total += int64(r.Item.Size)
			}
		}
	}
	m := termui.NewMeter(v, t)
	return func(w io.Writer) io.Writer { return m.Writer(w) },
		func(err error) { m.End("Saved", err) }
}

// NewSaveCommand returns a fresh "save" command: export images from CRI's
// containerd namespace to an OCI archive (docker and podman load it too).
func NewSaveCommand() *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "Export images from CRI's containerd namespace to an OCI archive (docker and podman load it too)",
		UsageText: "ctr cri save -o FILE [options] IMAGE ...",
		Description: `IMAGE is an image ID or unique prefix, a tag, or a familiar name ("busybox").
The archive is written to a temporary file beside FILE and renamed when
complete, so FILE is never left half-written; an existing FILE keeps its
mode, and a symlink keeps pointing where it did (its target is replaced).
A device or FIFO (/dev/null, /dev/stdout, a named pipe) is written in place.
"-o -" writes to standard output (not a terminal). On a terminal, stderr
shows the bytes written against what the images hold (~: the archive's
size is close to it), rate and ETA, and after a success one line of what was
written. Interrupted, save exits 130 and leaves FILE as it was. With --platform, an image that has nothing
for that platform is an error.`,
		Category: cmdutil.CatContainerd,
		Flags: append(platformFlags("export"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "archive file to write (- for standard output)", TakesFile: true},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			out := cmd.String("output")
			if out == "" {
				return cmdutil.UsageErrorf("save needs -o FILE (or -o - for standard output)")
			}
			if _, tty := termui.TerminalFd(cmdutil.Stdout(cmd)); out == "-" && tty {
				return cmdutil.UsageErrorf("refusing to write an archive to a terminal: use -o FILE or a pipe")
			}
			opts := ctrd.SaveOptions{Namespace: runtime.CRINamespace, Platform: cmd.String("platform"), AllPlatforms: cmd.Bool("all-platforms")}
			if err := opts.Check(); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				wrap, end := saveProgress(ctx, cmd, c, out, cmd.Args().Slice())
				err := outfile.Write(ctx, out, cmdutil.Stdout(cmd), func(ctx context.Context, w io.Writer) error {
					return ctrd.Save(ctx, c, wrap(w), cmd.Args().Slice(), opts)
				})
				end(err)
				return saveError(err)
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounImages, Args: cmdutil.ArgsMany, Min: 1, Synopsis: "IMAGE ..."},
			cmdutil.Ex("Save an image to an archive that load, docker and podman read",
				"ctr cri save -o app.tar registry.example.com/team/app:1.4"),
			cmdutil.Ex("Save two images into one archive",
				"ctr cri save -o base.tar busybox pause"),
		),
	}
}

// saveError names the output file in a failure of the file itself, and
// turns an interruption into exit 130 with nothing more to say.
func saveError(err error) error {
	var oe *outfile.Error
	switch {
	case errors.Is(err, outfile.ErrInterrupted):
		return &cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
	case errors.As(err, &oe):
		return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: oe.Path, Err: oe.Err}
	}
	return err
}
