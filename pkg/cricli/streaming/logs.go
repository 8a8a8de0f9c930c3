package streaming

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewLogsCommand returns a fresh "logs" command: print a container's logs
// from its CRI log file.
func NewLogsCommand() *cli.Command {
	return &cli.Command{
		Name:  "logs",
		Usage: "Print a container's logs from its CRI log file",
		Description: `Reads the file ContainerStatus.log_path names (kubelet's CRI log format) on this
machine; lines go to stdout or stderr as the container wrote them. On a terminal,
control sequences other than colours (screen clears, cursor moves, OSC title and
clipboard writes, DCS) are shown escaped (\x1b]52;…) unless --raw is given; piped
or redirected output is always byte-exact.
-f follows the file across rotation (the runtime reopening it) and ends once the
container has exited; it asks the runtime for the container's state at most once a
second. -p reads the previous attempt of the same container name in the same pod.
--since takes a duration (42m), an RFC 3339 time (2024-05-01T10:00:00Z, or local
time without a zone) or a Unix time (1714557600).`,
		Category:               cmdutil.CatStreaming,
		UseShortOptionHandling: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "follow the log until the container exits"},
			&cli.BoolFlag{Name: "previous", Aliases: []string{"p"}, Usage: "print the logs of the previous attempt of this container in its pod"},
			&cli.BoolFlag{Name: "reopen", Aliases: []string{"r"}, Usage: "ask the runtime to reopen the log file first (after rotating it)"},
			&cli.Int64Flag{Name: "tail", Value: -1, Usage: "number of lines to show from the end (-1: all); with --stream, of that stream (not with -f)"},
			&cli.Int64Flag{Name: "limit-bytes", Value: -1, Usage: "maximum bytes to print (-1: no limit)"},
			&cli.StringFlag{Name: "since", Usage: "only lines since a duration ago, an RFC 3339 time or a Unix time"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix each line with its RFC 3339 timestamp"},
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Usage: "only this stream: stdout or stderr (default both)",
				Validator: cmdutil.OneOf("stream", []string{"stdout", "stderr"})},
			&cli.BoolFlag{Name: "raw", Usage: "write the container's bytes to a terminal unescaped (escape sequences take effect)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			for _, name := range []string{"tail", "limit-bytes"} {
				if v := cmd.Int64(name); v < -1 {
					return cmdutil.UsageErrorf("invalid --%s %d: want 0 or more, or -1 for no limit", name, v)
				}
			}
			o := runtime.LogOptions{
				Follow: cmd.Bool("follow"), Tail: cmd.Int64("tail"), LimitBytes: cmd.Int64("limit-bytes"),
				Timestamps: cmd.Bool("timestamps"), Stdout: logWriter(cmdutil.Stdout(cmd), cmd.Bool("raw")), Stderr: logWriter(cmdutil.Stderr(cmd), cmd.Bool("raw")),
			}
			switch strings.ToLower(cmd.String("stream")) {
			case "stdout":
				o.Stderr = nil
			case "stderr":
				o.Stdout = nil
			}
			// The file interleaves both streams and the reader's tail counts
			// lines of both; a tail of one stream is kept here instead, which
			// a follow cannot do (crictl refuses the pair).
			var streamTail *tailWriter
			if cmd.IsSet("tail") && cmd.IsSet("stream") {
				switch {
				case cmdutil.PersonalityOf(cmd).TailStreamRefused:
					return cmdutil.UsageErrorf("--tail and --stream cannot be combined")
				case o.Follow:
					return cmdutil.UsageErrorf("--tail with --stream cannot follow: the file interleaves both streams; drop -f, or --stream")
				}
				streamTail = &tailWriter{lines: o.Tail, limit: o.LimitBytes}
				o.Tail, o.LimitBytes = -1, -1
				if o.Stdout != nil {
					streamTail.w, o.Stdout = o.Stdout, streamTail
				} else {
					streamTail.w, o.Stderr = o.Stderr, streamTail
				}
			}
			if s := cmd.String("since"); s != "" {
				t, err := ParseSince(s, time.Now())
				if err != nil {
					return &cmdutil.UsageError{Err: err}
				}
				o.Since = t
			}
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				t, err := c.LogTarget(ctx, cmd.Args().First(), cmd.Bool("previous"))
				if err != nil {
					return err
				}
				if cmd.Bool("reopen") && t.ID != "" {
					if err := c.ReopenContainerLog(ctx, t.ID); err != nil {
						return err
					}
				}
				err = c.ReadLogs(ctx, t, o)
				if termui.Interrupted(ctx, err) {
					return nil
				}
				if err == nil && streamTail != nil {
					err = streamTail.flush()
				}
				return err
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, Args: 1, Min: 1, Synopsis: "CONTAINER",
			CrictlHelp: cmdutil.HelpOnTooMany},
			cmdutil.Ex("Follow container app's log from its last 20 lines",
				"ctr cri logs -f --tail 20 app"),
			cmdutil.Ex("The newest attempt of a crash-looping container, running or not",
				"ctr cri logs job"),
			cmdutil.Ex("What the attempt before it printed (kubectl logs -p)",
				"ctr cri logs --previous job"),
			cmdutil.Ex("The last 20 lines written to stderr, with timestamps",
				"ctr cri logs --tail 20 --stream stderr -t app"),
		),
	}
}

// tailWriter keeps the last lines of what is written to it (a partial
// last line counts as one) and writes them, at most limit bytes (negative:
// no limit), on flush.
type tailWriter struct {
	w     io.Writer
	lines int64
	limit int64
	buf   [][]byte // complete lines, oldest first; then a partial one
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i+1]
		}
		if k := len(t.buf); k > 0 && !bytes.HasSuffix(t.buf[k-1], []byte("\n")) {
			t.buf[k-1] = append(t.buf[k-1], chunk...)
		} else {
			t.buf = append(t.buf, append([]byte(nil), chunk...))
		}
		p = p[len(chunk):]
		if extra := int64(len(t.buf)) - t.lines; extra > 0 && bytes.HasSuffix(t.buf[len(t.buf)-1], []byte("\n")) {
			t.buf = t.buf[extra:]
		}
	}
	return n, nil
}

func (t *tailWriter) flush() error {
	if extra := int64(len(t.buf)) - t.lines; extra > 0 {
		t.buf = t.buf[extra:]
	}
	out := bytes.Join(t.buf, nil)
	if t.limit >= 0 && int64(len(out)) > t.limit {
		out = out[:t.limit]
	}
	_, err := t.w.Write(out)
	return err
}

// logWriter is where container output goes: escaped for a terminal (a
// container must not drive the operator's terminal), as is otherwise.
func logWriter(w io.Writer, raw bool) io.Writer {
	if _, tty := termui.TerminalFd(w); tty && !raw {
		return printer.TerminalWriter(w)
	}
	return w
}

// ParseSince reads --since: a duration back from now, an RFC 3339 time
// (local time when it has no zone), or a Unix time with optional fraction.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("invalid --since %q: a duration must not be negative", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("invalid --since %q: want a duration (42m), an RFC 3339 time (2024-05-01T10:00:00Z) or a Unix time (1714557600)", s)
}
