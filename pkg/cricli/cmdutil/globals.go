package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"

	"github.com/urfave/cli/v3"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/ctrcri/ctrcri/pkg/cricli/urfavex"
	"github.com/ctrcri/ctrcri/pkg/outfile"
)

// crictl's global flags beyond the connection: retries, tracing, profiling.
const (
	FlagMaxRetries   = "max-retries"
	flagTracing      = "enable-tracing"
	flagTraceEP      = "tracing-endpoint"
	flagTraceRate    = "tracing-sampling-rate-per-million"
	flagProfileCPU   = "profile-cpu"
	flagProfileMem   = "profile-mem"
	defaultTraceEP   = "127.0.0.1:4317"
	CrictlMaxRetries = 3
)

func moreGlobalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: FlagMaxRetries, Usage: "retries, with exponential backoff (0.5s doubling, at most 5s), while an explicitly set endpoint cannot be reached (0: none, negative: no limit)"},
		&cli.BoolFlag{Name: flagTracing, Usage: "send an OpenTelemetry trace of the command (one span per CRI call) to --tracing-endpoint"},
		&cli.StringFlag{Name: flagTraceEP, Value: defaultTraceEP, Usage: "OTLP/gRPC collector address (host:port) for --enable-tracing"},
		&cli.IntFlag{Name: flagTraceRate, Value: -1, Usage: "traces sampled per million commands with --enable-tracing (-1 or 1000000: all, 0: none)"},
		&cli.StringFlag{Name: flagProfileCPU, Usage: "write a pprof CPU profile of the command to `FILE`", TakesFile: true},
		&cli.StringFlag{Name: flagProfileMem, Usage: "write a pprof heap profile at the end of the command to `FILE`", TakesFile: true},
	}
}

// runHooks is what one command run starts before its action and finishes
// after it: profiles and the trace.
type runHooks struct {
	// cpu collects the CPU profile while the command runs; it is written
	// through pkg/outfile at the end, like every file ctr cri writes.
	cpu      *bytes.Buffer
	cpuPath  string
	span     trace.Span
	shutdown func()
	err      error
}

// before starts the profiles and the trace the global flags ask for.
func (s *runHooks) before(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	cri := CriCommand(cmd)
	// Both profile files are checked before the command does its work.
	for _, f := range []string{flagProfileCPU, flagProfileMem} {
		if p := cri.String(f); p != "" {
			if _, err := profilePath(p); err != nil {
				return ctx, err
			}
		}
	}
	if p := cri.String(flagProfileCPU); p != "" {
		abs, err := profilePath(p)
		if err != nil {
			return ctx, err
		}
		buf := new(bytes.Buffer)
		if err := pprof.StartCPUProfile(buf); err != nil {
			return ctx, fmt.Errorf("start CPU profile %s: %w", p, err)
		}
		s.cpu, s.cpuPath = buf, abs
	}
	if !cri.Bool(flagTracing) {
		return ctx, nil
	}
	rate := cri.Int(flagTraceRate)
	if !PersonalityOf(cmd).AnyTraceRate && (rate < -1 || rate > 1_000_000) {
		return ctx, UsageErrorf("invalid --%s %d: use -1 (all) or 0 to 1000000", flagTraceRate, rate)
	}
	tp, shutdown, err := startTracing(cri.String(flagTraceEP), rate, exportTimeout(cri), commandDeadline(cmd))
	if err != nil {
		return ctx, err
	}
	s.shutdown = shutdown
	// As crictl, the root span is named after the command and says it in
	// a "command" attribute.
	name := cri.Args().First()
	if name == "" {
		name = cri.Name
	}
	ctx, s.span = tp.Tracer("github.com/ctrcri/ctrcri/pkg/cricli").Start(ctx, name, trace.WithAttributes(attribute.String("command", name)))
	ctx = withTracerProvider(ctx, tp)
	return ctx, nil
}

// after ends the trace (exporting it within the export timeout, whatever the
// collector does) and writes the profiles. A failed export never fails the
// command.
func (s *runHooks) after(cmd *cli.Command) error {
	if s.span != nil {
		if s.err != nil {
			s.span.SetStatus(codes.Error, s.err.Error())
			s.span.RecordError(s.err)
		}
		s.span.End()
		s.shutdown()
	}
	if s.cpu != nil {
		pprof.StopCPUProfile()
		if err := writeProfile(s.cpuPath, func(w io.Writer) error {
			_, err := w.Write(s.cpu.Bytes())
			return err
		}); err != nil {
			return err
		}
	}
	if p := CriCommand(cmd).String(flagProfileMem); p != "" {
		abs, err := profilePath(p)
		if err != nil {
			return err
		}
		goruntime.GC() // the profile shows live memory as of the last GC
		if err := writeProfile(abs, pprof.WriteHeapProfile); err != nil {
			return err
		}
	}
	return nil
}

// profilePath checks, before the command runs, that a profile can be
// written where asked: the directory must exist, and outfile must accept
// the path.
func profilePath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("profile path %s: %w", p, err)
	}
	if _, err := os.Stat(filepath.Dir(abs)); err != nil {
		return "", fmt.Errorf("create profile %s: %w", p, errors.Unwrap(err))
	}
	// What writing it would refuse (a directory, a link planted in /tmp)
	// is refused now, not after the command's work.
	if err := outfile.Check(abs); err != nil {
		return "", fmt.Errorf("create profile %s: %w", p, errors.Unwrap(err))
	}
	return abs, nil
}

// writeProfile writes a profile file through pkg/outfile.
func writeProfile(path string, write func(io.Writer) error) error {
	err := outfile.Write(context.Background(), path, nil, func(_ context.Context, w io.Writer) error { return write(w) })
	if err != nil {
		return fmt.Errorf("write profile %s: %w", path, errors.Unwrap(err))
	}
	return nil
}

// recordErrors wraps every action in the tree so the runHooks sees the
// command's error (urfave's After does not).
func (s *runHooks) recordErrors(cmd *cli.Command) {
	if a := cmd.Action; a != nil {
		cmd.Action = func(ctx context.Context, c *cli.Command) error {
			err := a(ctx, c)
			s.err = err
			return err
		}
	}
	for _, sub := range cmd.Commands {
		s.recordErrors(sub)
	}
}

// criNamespace is the containerd namespace the CRI plugin keeps its
// objects in; ctr's -n chooses nothing under cri.
const criNamespace = "k8s.io"

// InstallGlobals sets up the global flags of a fresh tree for one run:
// long forms after any subcommand, ctr's flags acting or refused under cri,
// and help that lists the globals that act.
func InstallGlobals(root *cli.Command) {
	cri := root
	if !PersonalityOf(root).Standalone {
		cri = nil
		for _, c := range root.Commands {
			if c.Name == "cri" {
				cri = c
			}
		}
		if cri == nil {
			return
		}
		watchNamespaceEnv(root)
	}
	var ctr *cli.Command
	if cri != root {
		ctr = root
	}
	s := SessionOf(cri)
	s.copyProxies = urfavex.ProxyGlobals(cri, ctr)
	s.installed = true
}

// ctrGlobals makes ctr's own global flags mean something under cri, or be
// refused: --debug is -D; -n/--namespace may only name k8s.io, where CRI
// objects live (an inherited CONTAINERD_NAMESPACE is ignored: it is meant
// for ctr's own commands).
func ctrGlobals(cri *cli.Command) error {
	root := cri.Root()
	if root == cri {
		return nil
	}
	if HasFlag(root, "debug") && root.Bool("debug") && !cri.Bool("debug") {
		if err := cri.Set("debug", "true"); err != nil {
			return err
		}
	}
	if !HasFlag(root, "namespace") || !root.IsSet("namespace") {
		return nil
	}
	ns := root.String("namespace")
	if ns == criNamespace || namespaceFromEnv(root, ns) {
		return nil
	}
	return UsageErrorf("cri: containerd namespace %q given with -n: CRI objects live in %q; drop -n (ctr -n %s … is for ctr's own commands)", ns, criNamespace, ns)
}

// namespaceFromEnv reports whether ctr's --namespace holds what
// CONTAINERD_NAMESPACE says rather than a value given on the command line.
func namespaceFromEnv(root *cli.Command, ns string) bool {
	for _, f := range root.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "namespace" {
			for _, src := range sf.Sources.Chain {
				if e, ok := src.(*trackedEnv); ok && e.used && os.Getenv(e.key) == ns {
					return true
				}
			}
		}
	}
	return false
}

// trackedEnv is an environment source that remembers being used, so that a
// flag's value can be told apart from the variable's.
type trackedEnv struct {
	key        string
	emptyUnset bool // an empty variable counts as unset
	used       bool
}

func (e *trackedEnv) Lookup() (string, bool) {
	v, ok := os.LookupEnv(e.key)
	if e.emptyUnset && v == "" {
		return "", false
	}
	if ok {
		e.used = true
	}
	return v, ok
}

func (e *trackedEnv) String() string   { return fmt.Sprintf("environment variable %q", e.key) }
func (e *trackedEnv) GoString() string { return fmt.Sprintf("&trackedEnv{key:%q}", e.key) }
func (e *trackedEnv) IsFromEnv() bool  { return true }
func (e *trackedEnv) Key() string      { return e.key }

// watchNamespaceEnv installs trackedEnv on ctr's --namespace flag.
func watchNamespaceEnv(root *cli.Command) {
	for _, f := range root.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "namespace" {
			sf.Sources = cli.NewValueSourceChain(&trackedEnv{key: "CONTAINERD_NAMESPACE"})
		}
	}
}
