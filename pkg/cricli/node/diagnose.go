package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/fleet"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewDiagnoseCommand returns a fresh "diagnose" command: report on the node
// in one go: versions, conditions, CRI config, image fs, failing pods and
// containers, orphans.
func NewDiagnoseCommand() *cli.Command {
	return &cli.Command{
		Name:  "diagnose",
		Usage: "Report on the node in one go: versions, conditions, CRI config, image fs, failing pods and containers, orphans",
		Description: `One read-only report for people (table) or scripts (-o json|yaml|ndjson,
schema ctrcri.diagnose/v1, see docs/diagnose.md). It makes a fixed set of RPCs
plus at most --details ContainerStatus calls, and bounds every list, so it is
safe to run on many nodes at once. Run it on the node: it reads container log
files and filesystem capacity locally (under --host-root in a debug container).

The report names the node: --node-name, else $NODE_NAME (a DaemonSet sets it
from spec.nodeName), else the hostname. "diagnose merge" reads many reports
back (docs/fleet.md).

--every D repeats the report every D until SIGTERM, one -o ndjson line each:
what a DaemonSet runs. A report that cannot be made then prints one line on
stderr and the next attempt comes D later.

Exit codes: 0 healthy (warnings allowed), 1 problems of severity error found,
3 the runtime cannot be reached.`,
		Category: cmdutil.CatContainerd,
		Flags: []cli.Flag{
			cmdutil.OutputFlag(printer.Table, views.DiagnoseFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
			&cli.IntFlag{Name: "details", Value: diagnose.DefaultDetails, Usage: "containers examined in detail (exit code, reason, log lines): one ContainerStatus call each"},
			&cli.StringFlag{Name: "node-name", Usage: "the node's name in the report (default: $NODE_NAME, else the hostname)"},
			&cli.StringFlag{Name: "host-root", Value: "/", Usage: "where the node's root filesystem is mounted (/host in kubectl debug node): log files, image filesystems and os-release are read below it", TakesFile: true},
			&cli.DurationFlag{Name: "every", Usage: "repeat every `DURATION` until SIGTERM (with -o ndjson: one line per report); 0 reports once"},
		},
		Commands: []*cli.Command{newDiagnoseMergeCommand()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Int("details") < 0 {
				return cmdutil.UsageErrorf("invalid --details %d: must not be negative", cmd.Int("details"))
			}
			every := cmd.Duration("every")
			if every < 0 || (every > 0 && every < time.Second) {
				return cmdutil.UsageErrorf("invalid --every %s: must be 0 (once) or at least 1s", every)
			}
			if fi, err := os.Stat(cmd.String("host-root")); err != nil || !fi.IsDir() {
				return cmdutil.UsageErrorf("invalid --host-root %q: not a directory", cmd.String("host-root"))
			}
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			node := diagnose.NodeIdentity(cmd.String("node-name"), os.Getenv("NODE_NAME"), hostInfo(cmd))
			opts := diagnose.Options{ClientVersion: cmdutil.ClientVersion(), Details: cmd.Int("details"), Node: node, HostRoot: cmd.String("host-root")}
			if every > 0 {
				ctx, cancel := termui.Interruptible(ctx)
				defer cancel()
				return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
					return diagnoseEvery(ctx, cmd, c, p, opts, every)
				})
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				now := cmdutil.Clock(cmd)
				opts.Now = now
				rep, err := diagnose.Run(ctx, c, cmdutil.ContainerdFor(cmd, c), opts)
				if err != nil {
					return err
				}
				if err := p.Print(cmdutil.Stdout(cmd), views.Diagnose(rep, now)); err != nil {
					return err
				}
				if !rep.Healthy {
					return &problemsFound{errors: rep.Errors(), warnings: len(rep.Problems) - rep.Errors()}
				}
				return nil
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{},
			cmdutil.Ex("A report of what is wrong on this node",
				"ctr cri diagnose"),
			cmdutil.Ex("The same for a script: exit 0 healthy, 1 problems, 3 runtime unreachable",
				"ctr cri diagnose -o json"),
			cmdutil.Ex("One report a minute as NDJSON until SIGTERM",
				"ctr cri diagnose --every 1m -o ndjson"),
		),
	}
}

// diagnoseEvery reports until ctx ends. A failed report is one line on
// stderr, not the end: the pod of a DaemonSet keeps its place and reports
// again once the runtime is back. Ending on a signal is success.
func diagnoseEvery(ctx context.Context, cmd *cli.Command, c *runtime.Client, p printer.Printer, opts diagnose.Options, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		opts.Now = time.Now()
		rep, err := diagnose.Run(ctx, c, cmdutil.ContainerdFor(cmd, c), opts)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = p.Print(cmdutil.Stdout(cmd), views.Diagnose(rep, opts.Now))
		}
		if err != nil {
			for _, line := range cmdutil.ErrorLines(err) {
				fmt.Fprintf(cmdutil.Stderr(cmd), "%s: %s\n", cmd.Root().Name, line)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// hostInfo reads the machine's identity (tests pin it: Options.Host).
func hostInfo(cmd *cli.Command) diagnose.HostInfo {
	return cmdutil.SessionOf(cmd).Host(cmd.String("host-root"))
}

// problemsFound is diagnose's verdict on an unhealthy node: exit 1 with a
// one-line summary, the report itself being on stdout. The summary counts
// every problem the report lists, errors and warnings apart.
type problemsFound struct{ errors, warnings int }

func (p *problemsFound) Error() string {
	s := "diagnose: " + count(p.errors, "error", "errors")
	if p.warnings > 0 {
		s += " and " + count(p.warnings, "warning", "warnings")
	}
	return s + " found"
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (p *problemsFound) ExitCode() int { return cmdutil.ExitFailed }

func newDiagnoseMergeCommand() *cli.Command {
	return &cli.Command{
		Name:  "merge",
		Usage: "Merge many nodes' diagnose reports into a fleet view: nodes by health, problems grouped, version skew",
		Description: `Reads ctrcri.diagnose/v1 reports from files, directories (every file below,
in name order) and standard input ("-", the default when it is not a terminal):
NDJSON, concatenated or indented JSON, and lines prefixed by
"kubectl logs --prefix" ([pod/NAME/container] {...}). Prints the fleet view,
schema ctrcri.fleet/v1 (docs/fleet.md).

Health is computed from each report's problems (any of severity error makes
the node unhealthy). A source is the pod of the --prefix tag, else the input:
a source's newer report about a node supersedes its older ones; reports from
different sources about one node are a conflict, and the node is judged by
the worst of them. A report dated more than 5 minutes in the future is an
error, not merged. Input that is not a report is named by FILE:LINE on stderr and in
the view; the other reports are still merged.

  kubectl logs -n ctr-cri-diagnose -l app.kubernetes.io/name=ctr-cri-diagnose \
      --prefix --tail=1 --max-log-requests=50 |
    ctr cri diagnose merge --nodes <(kubectl get nodes -o name)

Exit codes: 0 every node healthy and accounted for; 1 a node is unhealthy,
stale or missing, or some input is unreadable or of an unknown schema (one
summary line on stderr); 2 usage error.`,
		Category: cmdutil.CatContainerd,
		Flags: []cli.Flag{
			cmdutil.OutputFlag(printer.Table, views.FleetFormats),
			cmdutil.TemplateFlag(),
			&cli.DurationFlag{Name: "max-age", Value: time.Hour, Usage: "reports older than this are stale; 0: never"},
			&cli.StringFlag{Name: "nodes", Usage: "`FILE` naming the nodes that should have reported, one per line (kubectl get nodes -o name); the others are missing", TakesFile: true},
			&cli.IntFlag{Name: "examples", Value: fleet.DefaultExamples, Usage: "example nodes per problem group and version"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if d := cmd.Duration("max-age"); d < 0 {
				return cmdutil.UsageErrorf("invalid --max-age %s: must not be negative", d)
			}
			if n := cmd.Int("examples"); n < 1 || n > 100 {
				return cmdutil.UsageErrorf("invalid --examples %d: must be 1 to 100", n)
			}
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			in := cmd.Root().Reader
			if in == nil {
				in = os.Stdin
			}
			args := cmd.Args().Slice()
			if len(args) == 0 {
				if _, tty := termui.TerminalFd(in); tty {
					return cmdutil.UsageErrorf("merge reads reports from FILE, DIR or - (standard input), and standard input is a terminal")
				}
				args = []string{"-"}
			}
			var expected []string
			if f := cmd.String("nodes"); f != "" {
				if expected, err = readNodeList(f); err != nil {
					return cmdutil.UsageErrorf("--nodes: %v", err)
				}
			}
			now := cmdutil.Clock(cmd)
			m := fleet.New(fleet.Options{Now: now, MaxAge: cmd.Duration("max-age"), Expected: expected, Examples: cmd.Int("examples")})
			for _, a := range args {
				if a == "-" {
					// A read error is recorded in the view and reported below
					// with the others: merge reads every input.
					_ = m.Read("(stdin)", in)
					continue
				}
				mergePath(m, a)
			}
			v := m.View()
			errw := cmdutil.Stderr(cmd)
			for i, e := range v.Errors {
				if i == 20 {
					fmt.Fprintf(errw, "%s: diagnose merge: … and %d more unreadable inputs (listed in the view)\n", cmd.Root().Name, v.Summary.Errors-i)
					break
				}
				pod := ""
				if e.Pod != "" {
					pod = " (" + e.Pod + ")"
				}
				fmt.Fprintf(errw, "%s: diagnose merge: %s%s: %s\n", cmd.Root().Name, printer.Escape(e.Source), printer.Escape(pod), printer.Escape(e.Message))
			}
			if err := p.Print(cmdutil.Stdout(cmd), views.Fleet(v, cmd.Duration("max-age"))); err != nil {
				return err
			}
			if !v.Healthy {
				return &fleetVerdict{v.Summary, len(v.Inputs)}
			}
			return nil
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Files: cmdutil.ArgsMany, Synopsis: "[FILE|DIR|-]..."},
			cmdutil.Ex("Merge the reports collected from many nodes",
				"ctr cri diagnose merge reports/"),
			cmdutil.Ex("Merge and name the nodes that did not report",
				"ctr cri diagnose merge --nodes nodes.txt reports/"),
		),
	}
}

// mergePath reads a file, or every regular file below a directory in
// name order, symbolic links to regular files included; one that cannot
// be opened, a link to a directory and anything else that is no regular
// file is an error in the view (nothing below a directory is skipped
// silently).
func mergePath(m *fleet.Merger, path string) {
	readFile := func(p string) {
		f, err := os.Open(p)
		if err != nil {
			m.Errorf(p, "%v", unwrapPath(err))
			return
		}
		defer f.Close()
		_ = m.Read(p, f) // recorded in the view, as above
	}
	fi, err := os.Stat(path)
	if err != nil {
		m.Errorf(path, "%v", unwrapPath(err))
		return
	}
	if !fi.IsDir() {
		readFile(path)
		return
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			m.Errorf(p, "%v", unwrapPath(err))
			return nil
		}
		switch t := d.Type(); {
		case t.IsRegular():
			readFile(p)
		case t&fs.ModeSymlink != 0:
			// A link to a file is read (a ConfigMap's files are links);
			// a link to a directory is not followed (loops).
			fi, err := os.Stat(p)
			switch {
			case err != nil:
				m.Errorf(p, "%v", unwrapPath(err))
			case fi.Mode().IsRegular():
				readFile(p)
			case fi.IsDir():
				m.Errorf(p, "a symbolic link to a directory: not followed")
			default:
				m.Errorf(p, "a symbolic link to something not a regular file: not read")
			}
		case !t.IsDir():
			m.Errorf(p, "not a regular file: not read")
		}
		return nil
	})
	if err != nil {
		m.Errorf(path, "%v", err)
	}
}

// unwrapPath drops the "open PATH:" of a *PathError: the source already
// names the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readNodeList reads node names, one per line; "node/" (kubectl get nodes
// -o name) is dropped, blank lines and # comments are skipped.
func readNodeList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for l := range strings.Lines(string(data)) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		names = append(names, strings.TrimPrefix(l, "node/"))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s names no node", path)
	}
	return names, nil
}

// fleetVerdict is merge's exit 1: one line saying why the fleet is not
// all healthy, the view being on stdout.
type fleetVerdict struct {
	s      fleet.Summary
	inputs int
}

func (f *fleetVerdict) Error() string {
	s := f.s
	if s.Nodes == 0 && s.Errors == 0 && s.UnknownSchema == 0 {
		return "diagnose merge: no reports in the input"
	}
	parts := []string{fmt.Sprintf("%d of %d nodes unhealthy", s.Unhealthy, s.Nodes)}
	for _, c := range []struct {
		n    int
		what string
	}{{s.Stale, "stale"}, {s.Missing, "missing"}, {s.Conflicts, "reported by several sources"}, {s.UnknownSchema, "of an unknown schema"}, {s.Errors, "unreadable"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return "diagnose merge: " + strings.Join(parts, ", ")
}

func (f *fleetVerdict) ExitCode() int { return cmdutil.ExitFailed }
