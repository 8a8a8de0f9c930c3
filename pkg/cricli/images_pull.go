package cricli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containerd/console"
	"github.com/distribution/reference"
	"github.com/urfave/cli/v3"
	"golang.org/x/term"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

const authHelp = `Registry credentials: --creds USER[:PASS], --auth BASE64(USER:PASS), or
--username USER with the password typed at a prompt or piped with
--password-stdin. Prefer CRICTL_CREDS/CRICTL_AUTH or --password-stdin over
secrets in the command line (other users can read it in ps). Credentials are
never printed, not even by --debug.`

// pullAuthFlags are the registry flags of pull, create and run.
func pullAuthFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "creds", Usage: "registry credentials `USER[:PASS]` (no :PASS: an empty password, as crictl, or --password-stdin)", Sources: cli.EnvVars("CRICTL_CREDS")},
		&cli.StringFlag{Name: "auth", Usage: "registry auth string, passed to the runtime as is (usually base64 of USER:PASS)", Sources: cli.EnvVars("CRICTL_AUTH")},
		&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "registry `USER`; the password is asked for on the terminal"},
		&cli.BoolFlag{Name: "password-stdin", Usage: "read the registry password from stdin"},
		&cli.DurationFlag{Name: "pull-timeout", Aliases: []string{"pt"}, Usage: "give up pulling after this long (0: no limit)", Sources: cli.EnvVars("CRICTL_PULL_TIMEOUT")},
	}
}

func pullTimeout(cmd *cli.Command) (time.Duration, error) {
	d := cmd.Duration("pull-timeout")
	if d < 0 {
		return 0, usageErrorf("invalid --pull-timeout %s: must not be negative", d)
	}
	return d, nil
}

// authFrom builds the registry credentials from the flags, asking for a
// password when one is needed. It runs before any RPC.
func authFrom(cmd *cli.Command) (*runtimeapi.AuthConfig, error) {
	creds, b64, user := cmd.String("creds"), cmd.String("auth"), cmd.String("username")
	n := 0
	for _, s := range []string{creds, b64, user} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, usageErrorf("--creds, --auth and --username are alternatives: give one")
	}
	stdin := cmd.Bool("password-stdin")
	switch {
	case b64 != "":
		if stdin {
			return nil, usageErrorf("--password-stdin goes with --username or --creds USER, not --auth")
		}
		// Passed through as crictl does: the runtime decides what it accepts.
		return &runtimeapi.AuthConfig{Auth: b64}, nil
	case creds != "":
		u, p, hasPass := strings.Cut(creds, ":")
		if u == "" {
			return nil, usageErrorf("invalid --creds: the user name is empty (want USER[:PASS])")
		}
		if hasPass && stdin {
			return nil, usageErrorf("--password-stdin with --creds USER:PASS: the password is given twice")
		}
		if !hasPass && stdin {
			var err error
			if p, err = readPassword(cmd, u); err != nil {
				return nil, err
			}
		}
		return &runtimeapi.AuthConfig{Username: u, Password: p}, nil
	case user != "":
		p, err := readPassword(cmd, user)
		if err != nil {
			return nil, err
		}
		return &runtimeapi.AuthConfig{Username: user, Password: p}, nil
	case stdin:
		return nil, usageErrorf("--password-stdin needs --username (or --creds USER)")
	}
	return nil, nil
}

// readPassword reads one line from stdin (--password-stdin) or asks on the
// terminal without echo.
func readPassword(cmd *cli.Command, user string) (string, error) {
	in := cmd.Root().Reader
	if in == nil {
		in = os.Stdin
	}
	if cmd.Bool("password-stdin") {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		p := strings.TrimRight(line, "\r\n")
		if p == "" {
			return "", usageErrorf("--password-stdin: stdin held no password")
		}
		return p, nil
	}
	f, ok := in.(*os.File)
	var con console.Console
	var err error
	if ok {
		con, err = console.ConsoleFromFile(f)
	}
	if !ok || err != nil {
		return "", usageErrorf("password for %q: stdin is not a terminal to ask on; pipe it with --password-stdin", user)
	}
	errw := cmd.Root().ErrWriter
	fmt.Fprintf(errw, "Password for %s: ", printer.Escape(user))
	if err := con.DisableEcho(); err != nil {
		return "", fmt.Errorf("password prompt: %w", err)
	}
	line, rerr := bufio.NewReader(f).ReadString('\n')
	con.Reset()
	fmt.Fprintln(errw)
	if rerr != nil && rerr != io.EOF {
		return "", fmt.Errorf("read password: %w", rerr)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// liveView redraws a block of lines in place on a terminal: each frame
// replaces the one before, and end leaves one final line or nothing.
// containerd's progress.Writer is not used: it measures the screen on
// stdin, so with stdin redirected (load - < x.tar) it stops erasing and
// frames pile up. Here every line is cut to the width, so the lines to
// erase are the lines written.
type liveView struct {
	mu    sync.Mutex
	w     io.Writer
	fd    int
	color bool
	lines int
	ended bool
}

// newLiveView returns a view on stderr, or nil when stderr is not a
// terminal (pipes and files get nothing while running: output.md's
// "stderr is empty on success") or when --debug traces go there too.
func newLiveView(cmd *cli.Command) *liveView {
	errw := cmd.Root().ErrWriter
	fd, ok := terminalFd(errw)
	if !ok {
		return nil
	}
	if ep, err := resolveEndpoints(cmd); err != nil || ep.debug {
		return nil
	}
	return &liveView{w: errw, fd: fd, color: os.Getenv("NO_COLOR") == ""}
}

// screen is the terminal's size now (it may have been resized).
func (v *liveView) screen() views.Screen {
	w, h, err := term.GetSize(v.fd)
	if err != nil || w <= 0 || h <= 0 {
		w, h = 80, 24
	}
	return views.Screen{Width: w, Height: h, Color: v.color}
}

func (v *liveView) draw(lines ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended || len(lines) == 0 && v.lines == 0 {
		return
	}
	var b strings.Builder
	v.erase(&b)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	io.WriteString(v.w, b.String())
	v.lines = len(lines)
}

// erase moves to the first line of the last frame and clears to the end
// of the screen.
func (v *liveView) erase(b *strings.Builder) {
	if v.lines > 0 {
		fmt.Fprintf(b, "\x1b[%dA", v.lines)
	}
	b.WriteString("\r\x1b[J")
}

// end erases the frame and writes final ("" for nothing) in its place;
// later draws are ignored.
func (v *liveView) end(final string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended {
		return
	}
	v.ended = true
	var b strings.Builder
	if v.lines > 0 {
		v.erase(&b)
	}
	if final != "" {
		b.WriteString(final + "\n")
	}
	io.WriteString(v.w, b.String())
}

// pullProgress is what a pull of image shows on a terminal: per-blob bars
// while it runs and, once it succeeded, one line of what it came to. The
// watch is nil (no progress, no extra RPC) when stderr is not a terminal;
// done erases the bars, leaving the final line after a success.
func pullProgress(cmd *cli.Command, image string) (*ctrd.PullWatch, func()) {
	v := newLiveView(cmd)
	if v == nil {
		return nil, func() {}
	}
	var final string
	watch := &ctrd.PullWatch{Report: func(st ctrd.PullStatus) {
		if st.Finished {
			final = views.PullDone(image, st)
			return
		}
		v.draw(views.PullFrame(image, st, v.screen())...)
	}}
	if cs, ok := cmd.Root().Metadata["pullContent"].(ctrd.PullContent); ok {
		watch.Content = cs // tests: the fake CRI server has no content store
	}
	return watch, func() { v.end(final) }
}

func newPullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "Pull an image from a registry",
		UsageText: "ctr cri pull [options] NAME[:TAG|@DIGEST]",
		Description: authHelp + `

On a terminal, stderr shows the pull's progress while it runs: one line per
blob of the image (config and layers) with a bar, size, rate and ETA, and a
total; afterwards one line says what was pulled, how much this pull
downloaded and how long it took. Only this pull's content is counted (its
manifest's blobs, read from containerd's content store in CRI's namespace),
not other pulls running at the same time. In a pipe or a file, stderr stays
empty on success.`,
		Category: catImages,
		Flags: append(pullAuthFlags(),
			&cli.StringFlag{Name: "pod-config", Usage: "pod config (`FILE`.json|yaml) to pull for; some runtimes pick a handler or platform from it", TakesFile: true},
			&cli.StringSliceFlag{Name: "annotation", Aliases: []string{"a"}, Usage: "annotation `KEY=VALUE` for the image (repeatable)"},
		),
		Commands: []*cli.Command{jsonSchemaCommand("pull", true)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 1 {
				return usageErrorf("pull takes one image reference, got %d arguments", cmd.NArg())
			}
			image := cmd.Args().First()
			if _, err := reference.ParseAnyReference(image); err != nil {
				return usageErrorf("invalid image reference %q: %v", image, err)
			}
			timeout, err := pullTimeout(cmd)
			if err != nil {
				return err
			}
			var ann map[string]string
			for _, kv := range cmd.StringSlice("annotation") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usageErrorf("invalid --annotation %q: want KEY=VALUE", kv)
				}
				if ann == nil {
					ann = map[string]string{}
				}
				ann[k] = v
			}
			var podCfg *runtimeapi.PodSandboxConfig
			if f := cmd.String("pod-config"); f != "" {
				if podCfg, err = loadPodConfig(cmd, f); err != nil {
					return err
				}
			}
			auth, err := authFrom(cmd)
			if err != nil {
				return err
			}
			req := runtime.PullRequest{Image: image, Annotations: ann, Auth: auth, PodConfig: podCfg, Timeout: timeout}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				progress, done := pullProgress(cmd, image)
				ref, err := ctrd.Pull(ctx, c, req, progress)
				done()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "Image is up to date for %s\n", printer.Escape(ref))
				return nil
			})
		},
		Metadata: about(argSpec{},
			ex("Pull an image",
				"ctr cri pull busybox:1.36"),
			ex("Pull from a private registry, the password read from standard input",
				"ctr cri pull -u robot --password-stdin registry.example.com/team/app:1.4"),
			ex("Pull for the runtime handler a pod config names",
				"ctr cri pull --pod-config pod.yaml registry.example.com/team/app:1.4"),
		),
	}
}

func newRemoveImageCommand() *cli.Command {
	return &cli.Command{
		Name:      "rmi",
		Usage:     "Remove one or more images",
		UsageText: "ctr cri rmi [options] IMAGE [IMAGE...] | -a | --prune",
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
		Category: catImages,
		Flags: []cli.Flag{
			allFlag("remove all images"),
			&cli.BoolFlag{Name: "prune", Aliases: []string{"q"}, Usage: "remove the images no container uses"},
			&cli.BoolFlag{Name: flagForce, Aliases: []string{"f"}, Usage: "remove images that running containers use"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			all, prune := cmd.Bool("all"), cmd.Bool("prune")
			switch {
			case (all || prune) && cmd.NArg() > 0:
				return usageErrorf("rmi: give image IDs or -a/--prune, not both")
			case !all && !prune && cmd.NArg() == 0:
				return usageErrorf("rmi needs at least one image, or -a or --prune")
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
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
						imgs, _, failed = split(res, func(im *runtime.Image) string { return im.Id })
					}
				}
				if err != nil {
					return err
				}
				if (all || prune) && len(imgs) == 0 {
					nothingToDo(cmd, "images")
					return nil
				}
				if !prune && !cmd.Bool(flagForce) && !isCrictl(cmd) {
					if imgs, failed, err = keepInUse(ctx, c, imgs, failed); err != nil {
						return err
					}
				}
				byID := make(map[string]*runtime.Image, len(imgs))
				ids := make([]string, len(imgs))
				for i, im := range imgs {
					byID[im.Id], ids[i] = im, im.Id
				}
				return forEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					if err := c.RemoveImage(ctx, id); err != nil {
						return nil, err
					}
					return deletedLines(byID[id]), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounImages, args: argsMany},
			ex("Remove an image with all its tags",
				"ctr cri rmi busybox:1.36"),
			ex("Remove the images no container uses",
				"ctr cri rmi --prune"),
		),
	}
}

const flagForce = "force"

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
