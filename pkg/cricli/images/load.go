package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// loadVisibleWait bounds how long load waits for CRI to list what it
// imported (CRI learns of images from containerd's events).
const loadVisibleWait = 10 * time.Second

func platformFlags(verb string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "platform", Usage: verb + " only this platform (os/arch[/variant]); default: this host's"},
		&cli.BoolFlag{Name: "all-platforms", Usage: verb + " every platform"},
	}
}

// NewLoadCommand returns a fresh "load" command: import image archives (OCI
// or docker, plain or gzipped) into CRI's containerd namespace, unpacked for
// CRI.
func NewLoadCommand() *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "Import image archives (OCI or docker, plain or gzipped) into CRI's containerd namespace, unpacked for CRI",
		Description: `Each archive is imported into the namespace CRI uses (k8s.io) and unpacked for
CRI's snapshotter, so "ctr cri images" and new pods see its images at once; the
loaded image names are printed, one per line. "-" reads standard input
(last argument only); with no FILE, a piped standard input is read, as
docker load does (on a terminal that is a usage error). On a terminal, stderr shows a bar with the bytes read
of the file's size, rate and ETA (from standard input: bytes and rate),
then the image being unpacked, and after a success one line per archive of
what was read and how fast; in a pipe or a file it stays empty.

An archive that cannot be loaded (truncated, not an image archive) leaves
nothing behind: its images are named only once everything is in place.
The other archives are still attempted; the exit code is then 1.
An archive holding more than --max-size uncompressed (64GiB), more than
--max-entries entries (100000), or, with the default size bound, a gzip
archive expanding more than 100 times (a compression bomb) is refused and
leaves nothing behind.
Interrupted (Ctrl-C, SIGTERM), load exits 130 and its content is released
at once; if ctr itself is killed, containerd releases it within minutes.
Loading an archive that is already loaded, even by several loads at once,
succeeds: the same name on the same image is not a conflict.`,
		Category: cmdutil.CatContainerd,
		Flags: append(platformFlags("import"),
			&cli.StringFlag{Name: "base-name", Usage: "name for images the archive only tags (OCI ref name \"v1\" becomes NAME:v1)"},
			&cli.StringFlag{Name: "snapshotter", Usage: "unpack for this snapshotter (default: the one CRI uses)"},
			&cli.StringFlag{Name: "max-size", Usage: "refuse an archive holding more than this, uncompressed (default 64GiB; setting it also lifts the 100x gzip expansion check)"},
			&cli.IntFlag{Name: "max-entries", Usage: "refuse an archive with more entries than this (default 100000)"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			files := cmd.Args().Slice()
			if len(files) == 0 {
				// docker load's habit: no FILE reads a piped stdin. A
				// terminal holds no archive; waiting on it would look hung.
				if _, tty := termui.TerminalFd(cmd.Root().Reader); tty {
					return cmdutil.UsageErrorf("load needs an archive: FILE, or - for standard input (stdin is a terminal)")
				}
				files = []string{"-"}
			}
			if dashNotLast(cmd) {
				return cmdutil.UsageErrorf(`standard input (-) can be loaded only once, as the last archive`)
			}
			opts := ctrd.LoadOptions{Platform: cmd.String("platform"), AllPlatforms: cmd.Bool("all-platforms"),
				BaseName: cmd.String("base-name"), Visible: loadVisibleWait}
			if err := opts.Check(); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if v := cmd.String("max-size"); v != "" {
				n, err := units.RAMInBytes(v)
				if err != nil || n <= 0 {
					return cmdutil.UsageErrorf("invalid --max-size %q: want a positive size such as 100GiB", v)
				}
				opts.MaxBytes = n
			}
			if cmd.IsSet("max-entries") {
				opts.MaxEntries = cmd.Int("max-entries")
				if opts.MaxEntries <= 0 {
					return cmdutil.UsageErrorf("invalid --max-entries %d: want a positive count", opts.MaxEntries)
				}
			}
			root := cmd.Root()
			// Ctrl-C or SIGTERM returns through Load, which deletes its lease.
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			err := cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				set, err := ctrd.ReadCRISettings(ctx, c)
				if err != nil {
					return err
				}
				if s := cmd.String("snapshotter"); s != "" {
					set.Snapshotter = s
				}
				opts.CRISettings = set
				var errs []error
				for _, file := range files {
					refs, err := loadFile(ctx, c, file, root.Reader, cmdutil.NewLiveView(cmd), opts)
					for _, ref := range refs {
						fmt.Fprintln(cmdutil.Stdout(cmd), ref)
					}
					if err != nil {
						if runtime.KindOf(err) == runtime.KindUnreachable || termui.Interrupted(ctx, err) {
							return errors.Join(append(errs, err)...)
						}
						errs = append(errs, err)
					}
				}
				return errors.Join(errs...)
			})
			if termui.Interrupted(ctx, err) {
				return &cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
			}
			return err
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Files: cmdutil.ArgsMany, Synopsis: "[FILE|- ...]"},
			cmdutil.Ex("Load an image archive (OCI or docker, plain or gzipped) for CRI",
				"ctr cri load app.tar"),
			cmdutil.Ex("Load an archive from another host through a pipe",
				"ssh build-host cat app.tar | ctr cri load -"),
			cmdutil.Ex("Load what docker save writes, straight from the pipe (with no FILE, a piped stdin is read)",
				"docker save app:1.4 | ctr cri load"),
			cmdutil.Ex("Load every platform of a multi-platform archive",
				"ctr cri load --all-platforms app.tar"),
		),
	}
}

// dashNotLast reports a lone "-" followed by more arguments. urfave/cli v3
// stops parsing at "-" and drops what follows, so the parent's copy of the
// command line is the one to look at.
func dashNotLast(cmd *cli.Command) bool {
	lin := cmd.Lineage()
	if len(lin) < 2 {
		return false
	}
	args := lin[1].Args().Slice()
	i := slices.Index(args, "-")
	return i >= 0 && i < len(args)-1
}

// loadFile loads one archive, showing progress on v (nil: none): a bar
// against the file's size, or bytes read from a pipe, then the image being
// unpacked; after a success one line of what was read, how fast.
func loadFile(ctx context.Context, c *runtime.Client, file string, stdin io.Reader, v *termui.LiveView, opts ctrd.LoadOptions) (_ []string, err error) {
	r := stdin
	name := "-"
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, &runtime.Error{Kind: runtime.KindFailed, Op: "load", ID: file, Err: errors.Unwrap(err)}
		}
		defer f.Close()
		r, name = f, file
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			opts.Size = fi.Size()
		}
	}
	if v != nil {
		m := termui.NewMeter(v, views.Transfer{Name: name, Total: opts.Size})
		r = m.Reader(r)
		opts.Progress = func(lp ctrd.LoadProgress) {
			if lp.Unpacking != "" {
				m.Unpacking(lp.Unpacking)
			}
		}
		defer func() { m.End("Loaded", err) }()
	}
	return ctrd.Load(ctx, c, r, name, opts)
}
