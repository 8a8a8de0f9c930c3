package cricli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/outfile"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// loadVisibleWait bounds how long load waits for CRI to list what it
// imported (CRI learns of images from containerd's events).
const loadVisibleWait = 10 * time.Second

// containerdFor is containerd's API beside c's CRI. Tests put a
// func(*runtime.Client) ctrd.Containerd under the root's Metadata
// "containerd", as the fake CRI server has no containerd API.
func containerdFor(cmd *cli.Command, c *runtime.Client) ctrd.Containerd {
	if f, ok := cmd.Root().Metadata["containerd"].(func(*runtime.Client) ctrd.Containerd); ok {
		return f(c)
	}
	return ctrd.New(c, runtime.CRINamespace)
}

func containerdFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "containerd", Usage: "add containerd's view: namespace, container, task PID and status, shim, snapshotter and key, sandboxer"}
}

// addContainerdViews cross-references inspect results with containerd in
// one set of list calls.
func addContainerdViews(ctx context.Context, cmd *cli.Command, c *runtime.Client, items []*views.Inspected) error {
	if !cmd.Bool("containerd") || len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	ctrdViews, err := ctrd.Views(ctx, containerdFor(cmd, c), ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		views.WithContainerd(it, ctrdViews[it.ID])
	}
	return nil
}

func platformFlags(verb string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "platform", Usage: verb + " only this platform (os/arch[/variant]); default: this host's"},
		&cli.BoolFlag{Name: "all-platforms", Usage: verb + " every platform"},
	}
}

func newLoadCommand() *cli.Command {
	return &cli.Command{
		Name:      "load",
		Usage:     "Import image archives (OCI or docker, plain or gzipped) into CRI's containerd namespace, unpacked for CRI",
		UsageText: "ctr cri load [options] [FILE|- ...]",
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
		Category: catContainerd,
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
				if _, tty := terminalFd(cmd.Root().Reader); tty {
					return usageErrorf("load needs an archive: FILE, or - for standard input (stdin is a terminal)")
				}
				files = []string{"-"}
			}
			if dashNotLast(cmd) {
				return usageErrorf(`standard input (-) can be loaded only once, as the last archive`)
			}
			opts := ctrd.LoadOptions{Platform: cmd.String("platform"), AllPlatforms: cmd.Bool("all-platforms"),
				BaseName: cmd.String("base-name"), Visible: loadVisibleWait}
			if err := opts.Check(); err != nil {
				return &UsageError{Err: err}
			}
			if v := cmd.String("max-size"); v != "" {
				n, err := units.RAMInBytes(v)
				if err != nil || n <= 0 {
					return usageErrorf("invalid --max-size %q: want a positive size such as 100GiB", v)
				}
				opts.MaxBytes = n
			}
			if cmd.IsSet("max-entries") {
				opts.MaxEntries = cmd.Int("max-entries")
				if opts.MaxEntries <= 0 {
					return usageErrorf("invalid --max-entries %d: want a positive count", opts.MaxEntries)
				}
			}
			root := cmd.Root()
			// Ctrl-C or SIGTERM returns through Load, which deletes its lease.
			ctx, stop := interruptible(ctx)
			defer stop()
			err := withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
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
					refs, err := loadFile(ctx, c, file, root.Reader, newLiveView(cmd), opts)
					for _, ref := range refs {
						fmt.Fprintln(root.Writer, ref)
					}
					if err != nil {
						if runtime.KindOf(err) == runtime.KindUnreachable || interrupted(ctx, err) {
							return errors.Join(append(errs, err)...)
						}
						errs = append(errs, err)
					}
				}
				return errors.Join(errs...)
			})
			if interrupted(ctx, err) {
				return &silentExit{code: exitInterrupted}
			}
			return err
		},
		Metadata: about(argSpec{files: argsMany},
			ex("Load an image archive (OCI or docker, plain or gzipped) for CRI",
				"ctr cri load app.tar"),
			ex("Load an archive from another host through a pipe",
				"ssh build-host cat app.tar | ctr cri load -"),
			ex("Load what docker save writes, straight from the pipe (with no FILE, a piped stdin is read)",
				"docker save app:1.4 | ctr cri load"),
			ex("Load every platform of a multi-platform archive",
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
func loadFile(ctx context.Context, c *runtime.Client, file string, stdin io.Reader, v *liveView, opts ctrd.LoadOptions) (_ []string, err error) {
	var r io.Reader = stdin
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
		m := newMeter(v, views.Transfer{Name: name, Total: opts.Size})
		r = &meterReader{r: r, m: m}
		opts.Progress = func(lp ctrd.LoadProgress) {
			if lp.Unpacking != "" {
				m.unpacking(lp.Unpacking)
			}
		}
		defer func() { m.end("Loaded", err) }()
	}
	return ctrd.Load(ctx, c, r, name, opts)
}

// meter counts the bytes going through a reader or writer and redraws
// the transfer's line at most every 100ms. Load reads its input on a
// goroutine of its own, hence the lock.
type meter struct {
	mu    sync.Mutex
	v     *liveView
	t     views.Transfer
	start time.Time
	last  time.Time
}

func newMeter(v *liveView, t views.Transfer) *meter {
	return &meter{v: v, t: t, start: time.Now()}
}

func (m *meter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Done += int64(n)
	if now := time.Now(); now.Sub(m.last) >= 100*time.Millisecond {
		m.last = now
		m.t.Elapsed = now.Sub(m.start)
		m.v.draw(views.TransferFrame(m.t, m.v.screen()))
	}
}

func (m *meter) unpacking(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Unpacking, m.t.Elapsed = ref, time.Since(m.start)
	m.v.draw(views.TransferFrame(m.t, m.v.screen()))
}

// end erases the line after a failure, or leaves verb's final line: the
// file's size for a file read whole (the importer need not read the
// archive's trailing padding), else the bytes counted.
func (m *meter) end(verb string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.v.end("")
		return
	}
	m.t.Elapsed, m.t.Unpacking = time.Since(m.start), ""
	if m.t.Total > 0 && !m.t.Estimated {
		m.t.Done = m.t.Total
	}
	m.v.end(views.TransferDone(verb, m.t))
}

type meterReader struct {
	r io.Reader
	m *meter
}

func (r *meterReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.m.add(n)
	return n, err
}

type meterWriter struct {
	w io.Writer
	m *meter
}

func (w *meterWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.m.add(n)
	return n, err
}

// saveProgress wraps save's writer to show progress on a terminal, against
// what the images hold (their CRI size: the blobs for this platform, near
// the archive's size). end leaves the final line after a success and
// erases the bar otherwise.
func saveProgress(ctx context.Context, cmd *cli.Command, c *runtime.Client, out string, refs []string) (wrap func(io.Writer) io.Writer, end func(error)) {
	v := newLiveView(cmd)
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
	m := newMeter(v, t)
	return func(w io.Writer) io.Writer { return &meterWriter{w: w, m: m} },
		func(err error) { m.end("Saved", err) }
}

func newSaveCommand() *cli.Command {
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
		Category: catContainerd,
		Flags: append(platformFlags("export"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "archive file to write (- for standard output)", TakesFile: true},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() == 0 {
				return usageErrorf("save needs at least one image")
			}
			out := cmd.String("output")
			if out == "" {
				return usageErrorf("save needs -o FILE (or -o - for standard output)")
			}
			root := cmd.Root()
			if _, tty := terminalFd(root.Writer); out == "-" && tty {
				return usageErrorf("refusing to write an archive to a terminal: use -o FILE or a pipe")
			}
			opts := ctrd.SaveOptions{Namespace: runtime.CRINamespace, Platform: cmd.String("platform"), AllPlatforms: cmd.Bool("all-platforms")}
			if err := opts.Check(); err != nil {
				return &UsageError{Err: err}
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				wrap, end := saveProgress(ctx, cmd, c, out, cmd.Args().Slice())
				err := outfile.Write(ctx, out, root.Writer, func(ctx context.Context, w io.Writer) error {
					return ctrd.Save(ctx, c, wrap(w), cmd.Args().Slice(), opts)
				})
				end(err)
				return saveError(err)
			})
		},
		Metadata: about(argSpec{noun: nounImages, args: argsMany},
			ex("Save an image to an archive that load, docker and podman read",
				"ctr cri save -o app.tar registry.example.com/team/app:1.4"),
			ex("Save two images into one archive",
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
		return &silentExit{code: exitInterrupted}
	case errors.As(err, &oe):
		return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: oe.Path, Err: oe.Err}
	}
	return err
}

func newOrphansCommand() *cli.Command {
	return &cli.Command{
		Name:  "orphans",
		Usage: "List containerd containers, tasks and sandboxes CRI does not know, and CRI objects whose containerd side is gone",
		Description: `Compares CRI's containers and pods with containerd's records in CRI's namespace
(k8s.io). Kinds: containerd-container, containerd-task, containerd-sandbox (no
CRI object has that ID) and cri-container, cri-pod (CRI lists it, but containerd
has no container, or no live task although CRI says running/ready).

-o wide adds the command that removes each one (ctr -n k8s.io containers rm,
tasks rm -f, sandboxes rm -f; ctr cri rm -f or rmp -f for CRI's records).

Listing orphans is not a failure: the exit code is 0 whatever is found; use
-o json and check .orphans in scripts (an empty list is [], never null). A container being created or removed
at that very moment can show up once: run again to confirm.`,
		Category: catContainerd,
		Flags:    []cli.Flag{outputFlag(printer.Table, views.OrphanFormats), templateFlag(), noHeadersFlag(), quietFlag("orphan"), noTruncFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := newPrinter(cmd)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				rep, err := ctrd.Orphans(ctx, c, containerdFor(cmd, c))
				if err != nil {
					return err
				}
				return p.Print(cmd.Root().Writer, views.Orphans(rep))
			})
		},
		Metadata: about(argSpec{},
			ex("List containerd objects CRI lost track of, and CRI objects whose containerd task is gone",
				"ctr cri orphans"),
			ex("Their IDs for a script ([] on a clean node)",
				"ctr cri orphans -o json | jq -r '.orphans[].id'"),
			ex("With the command that removes each one",
				"ctr cri orphans -o wide"),
		),
	}
}
