package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/stream"
)

// targetExit is one of several exec targets exiting non-zero.
type targetExit struct {
	id   string
	code int
}

func (e *targetExit) Error() string {
	return fmt.Sprintf("exec in container %q: command exited with code %d", printer.TruncID(e.id), e.code)
}
func (e *targetExit) ExitCode() int { return e.code }

// streamFlags are the transport and TLS flags of exec, attach and
// port-forward, with crictl's names.
func streamFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "transport", Aliases: []string{"r"}, Value: stream.TransportSPDY,
			Usage:     "streaming transport: spdy, or websocket (retried over spdy when the server refuses it)",
			Validator: cmdutil.OneOf("transport", stream.Transports)},
		&cli.StringFlag{Name: "tls-sni", Aliases: []string{"tls-server-name"}, Usage: "server name the streaming server's certificate must carry"},
		&cli.StringFlag{Name: "tls-ca", Usage: "CA certificate that signed the streaming server's certificate (enables verification)"},
		&cli.StringFlag{Name: "tls-cert", Usage: "client certificate for the streaming server"},
		&cli.StringFlag{Name: "tls-key", Usage: "key of --tls-cert"},
	}
}

func streamConfig(cmd *cli.Command) (stream.Config, error) {
	cfg := stream.Config{
		Transport: strings.ToLower(cmd.String("transport")),
		TLS: stream.TLSConfig{ServerName: cmd.String("tls-sni"), CAFile: cmd.String("tls-ca"),
			CertFile: cmd.String("tls-cert"), KeyFile: cmd.String("tls-key")},
	}
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		return cfg, cmdutil.UsageErrorf("--tls-cert and --tls-key go together")
	}
	return cfg, nil
}

// containerFilterNames are the flags that make exec select its targets
// with filters instead of a CONTAINER argument.
var containerFilterNames = []string{"id", "name", "pod", "pod-name", "namespace", "image", "state", "label", "latest", "last"}

// NewExecCommand returns a fresh "exec" command: run a command in a running
// container, or in every container the filters select.
func NewExecCommand() *cli.Command {
	stopAfterCommand := 1
	return &cli.Command{
		Name:  "exec",
		Usage: "Run a command in a running container, or in every container the filters select",
		UsageText: `ctr cri exec [options] CONTAINER COMMAND [ARG...]
ctr cri exec [options] --pod|--name|--label|--state|... COMMAND [ARG...]`,
		Description: `CONTAINER is an ID, a unique ID prefix or a container name. With a filter flag
(--id --name --pod --pod-name --namespace --image --state --label -l -n) there is
no CONTAINER argument: the command runs in every selected container (running ones
unless --state says otherwise), one after another, each output after a line with
the container's full ID and a colon, as crictl prints it (not with -q); with -x in
all of them at once, without those lines.

-s runs the command through ExecSync: stdout and stderr stay separate. Otherwise
the command streams through the runtime's streaming server: -i passes stdin, -t
allocates a terminal (raw mode; detach with ctrl-p ctrl-q).

The exit code is the remote command's; 130 if interrupted.`,
		Category:               cmdutil.CatStreaming,
		UseShortOptionHandling: true,
		StopOnNthArg:           &stopAfterCommand,
		Flags: append(append([]cli.Flag{
			&cli.BoolFlag{Name: "sync", Aliases: []string{"s"}, Usage: "run the command synchronously (ExecSync); no stdin, no terminal"},
			&cli.IntFlag{Name: "timeout", Usage: "with -s: seconds the command may run (0: no limit); ignored without -s, as crictl"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-terminal"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "pass stdin to the command"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "with filters: no container ID line before each output"},
			&cli.BoolFlag{Name: "ignore-errors", Aliases: []string{"e"}, Usage: "with filters: exit 0 even if the command fails"},
			&cli.BoolFlag{Name: "parallel", Aliases: []string{"x"}, Usage: "with several containers: run in all of them at once"},
		}, cmdutil.ContainerFilterFlags()...),
			streamFlags()...),
		Action: runExec,
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, State: "running", Args: 1, Rest: cmdutil.ArgsMany, Min: 2,
			Synopsis: "CONTAINER COMMAND [ARG...]", ByFlags: true,
			CrictlHelp: func(c *cli.Command) bool {
				return c.NArg() < 1 || c.NArg() < 2 && !cmdutil.AnySet(c, containerFilterNames...)
			}},
			cmdutil.Ex("Open a shell in container web",
				"ctr cri exec -it web sh"),
			cmdutil.Ex("Run a command, stdout and stderr kept apart, its exit code passed on",
				"ctr cri exec -s app cat /etc/resolv.conf"),
			cmdutil.Ex("Run a command in every running container of pod shop/web",
				"ctr cri exec -s --pod shop/web -- cat /etc/hostname"),
		),
	}
}

type execOptions struct {
	sync, tty, stdin              bool
	quiet, ignoreErrors, parallel bool
	timeout                       time.Duration
	stream                        stream.Config
}

func runExec(ctx context.Context, cmd *cli.Command) error {
	o := execOptions{
		sync: cmd.Bool("sync"), tty: cmd.Bool("tty"), stdin: cmd.Bool("interactive"),
		quiet: cmd.Bool("quiet"), ignoreErrors: cmd.Bool("ignore-errors"), parallel: cmd.Bool("parallel"),
		timeout: time.Duration(cmd.Int("timeout")) * time.Second,
	}
	var err error
	if o.stream, err = streamConfig(cmd); err != nil {
		return err
	}
	switch {
	case cmd.Int("timeout") < 0:
		return cmdutil.UsageErrorf("invalid --timeout %d: must not be negative", cmd.Int("timeout"))
	case o.sync && (o.tty || o.stdin):
		return cmdutil.UsageErrorf("-s runs the command without stdin or a terminal: drop -i/-t, or drop -s")
	}
	filtered := false
	for _, n := range containerFilterNames {
		filtered = filtered || cmd.IsSet(n)
	}
	args := cmd.Args().Slice()
	var ref string
	switch {
	case filtered && len(args) == 0:
		return cmdutil.UsageErrorf("exec needs a command to run")
	case !filtered && len(args) < 2:
		return cmdutil.CheckArgs(cmd)
	case !filtered:
		ref, args = args[0], args[1:]
	}
	var f runtime.ContainerFilter
	if filtered {
		if f, err = cmdutil.ContainerFilter(cmd); err != nil {
			return err
		}
	}
	if o.tty && o.stdin {
		if _, ok := termui.TerminalFd(cmd.Root().Reader); !ok {
			return cmdutil.UsageErrorf("-t needs a terminal on stdin: drop -t to pipe input into the command")
		}
	}
	ctx, stop := termui.Interruptible(ctx)
	defer stop()
	return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
		var targets []runtime.Container
		if filtered {
			l, err := c.ListContainers(ctx, f)
			if err != nil {
				return err
			}
			if len(l.Items) == 0 {
				return errors.New("exec: No containers found per filter flags") // crictl's words
			}
			targets = l.Items
		} else {
			res, err := c.ResolveContainers(ctx, []string{ref})
			if err != nil {
				return err
			}
			if res[0].Err != nil {
				return res[0].Err
			}
			targets = []runtime.Container{res[0].Item}
		}
		if !filtered {
			err := asTyped(execIn(ctx, cmd, c, targets[0].Id, args, o, cmdutil.Stdout(cmd), cmdutil.Stderr(cmd)), ref, targets[0].Id)
			var ee *stream.ExitError
			switch {
			case errors.As(err, &ee):
				return &cmdutil.SilentExit{Code: ee.Code}
			case termui.Interrupted(ctx, err):
				return &cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
			}
			return err
		}
		if (o.stdin || o.tty) && len(targets) > 1 {
			return cmdutil.UsageErrorf("-i and -t need exactly one container; the filters selected %d", len(targets))
		}
		return execMany(ctx, cmd, c, targets, args, o)
	})
}

// asTyped puts what the user typed back into an error about the container
// it resolved to, with a short ID: `exec in container "job" (5df5feed9c13):
// container is in CONTAINER_EXITED state`, not the 64-character ID alone.
func asTyped(err error, ref, id string) error {
	var e *runtime.Error
	if ref == id || !errors.As(err, &e) || e.ID != id {
		return err
	}
	e.Op = fmt.Sprintf("%s %q (%s)", e.Op, ref, printer.TruncID(id))
	e.ID = ""
	return err
}

// execMany runs the command in the containers the filters selected (one or
// more) and reports each failure; the exit code is the first failing
// container's.
func execMany(ctx context.Context, cmd *cli.Command, c *runtime.Client, targets []runtime.Container, args []string, o execOptions) error {
	var outMu, errMu sync.Mutex
	errs := make([]error, len(targets))
	run := func(i int) {
		id := targets[i].Id
		out, errOut := cmdutil.Stdout(cmd), cmdutil.Stderr(cmd)
		if !o.quiet && !o.parallel {
			// crictl's header: the full ID and a colon, alone on a line.
			fmt.Fprintln(out, printer.Escape(id)+":")
		}
		if o.parallel {
			// Whole lines only, so that outputs running at once do not
			// mix within a line.
			out = termui.NewLineWriter(out, &outMu)
			errOut = termui.NewLineWriter(errOut, &errMu)
			defer out.(io.Closer).Close()
			defer errOut.(io.Closer).Close()
		}
		err := execIn(ctx, cmd, c, id, args, o, out, errOut)
		var ee *stream.ExitError
		if errors.As(err, &ee) {
			err = &targetExit{id: id, code: ee.Code}
		}
		errs[i] = err
	}
	if o.parallel {
		var wg sync.WaitGroup
		for i := range targets {
			wg.Go(func() { run(i) })
		}
		wg.Wait()
	} else {
		for i := range targets {
			if ctx.Err() != nil {
				break
			}
			run(i)
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return &cmdutil.SilentExit{Code: cmdutil.ExitInterrupted}
	}
	if o.ignoreErrors {
		return nil
	}
	return errors.Join(errs...)
}

// execIn runs the command once in one container.
func execIn(ctx context.Context, cmd *cli.Command, c *runtime.Client, id string, args []string, o execOptions, out, errOut io.Writer) error {
	if o.sync {
		resp, err := c.ExecSync(ctx, id, args, o.timeout)
		if err != nil {
			return err
		}
		if _, err := out.Write(resp.Stdout); err != nil {
			return err
		}
		if _, err := errOut.Write(resp.Stderr); err != nil {
			return err
		}
		if resp.ExitCode != 0 {
			return &stream.ExitError{Code: int(resp.ExitCode)}
		}
		return nil
	}
	return session(ctx, cmd, sessionOptions{stdin: o.stdin, tty: o.tty, out: out, errOut: errOut},
		func(ctx context.Context, s stream.Streams) error {
			return stream.Exec(ctx, c, id, args, s, o.stream)
		})
}

type sessionOptions struct {
	stdin, tty  bool
	out, errOut io.Writer
}

// session runs an exec or attach stream with the local terminal prepared:
// with -t and -i the terminal is raw for the session and restored on every
// way out (return, panic, signal), window size changes are forwarded, and
// ctrl-p ctrl-q detaches (a nil error).
func session(ctx context.Context, cmd *cli.Command, o sessionOptions, run func(context.Context, stream.Streams) error) error {
	root := cmd.Root()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := stream.Streams{Stdout: o.out, Stderr: o.errOut, TTY: o.tty}
	if o.stdin {
		s.Stdin = root.Reader
	}
	var detached atomic.Bool
	if o.tty {
		if o.stdin {
			fd, ok := termui.TerminalFd(root.Reader)
			if !ok {
				return cmdutil.UsageErrorf("-t needs a terminal on stdin")
			}
			raw, err := termui.MakeRaw(fd)
			if err != nil {
				return fmt.Errorf("set terminal to raw mode: %w", err)
			}
			defer raw.Restore()
			// A signal ends ctx: give the terminal back at once, not only
			// once the stream has wound down.
			go func() { <-ctx.Done(); raw.Restore() }()
			s.Stdin = termui.NewDetachReader(root.Reader, func() { detached.Store(true); cancel() })
		}
		if fd, ok := termui.TerminalFd(cmdutil.Stdout(cmd)); ok {
			s.Resize = termui.NewSizeQueue(ctx, fd)
		} else if fd, ok := termui.TerminalFd(root.Reader); ok {
			s.Resize = termui.NewSizeQueue(ctx, fd)
		}
	}
	err := run(ctx, s)
	if detached.Load() {
		return nil
	}
	return err
}
