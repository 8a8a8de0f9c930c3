package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// GlobalFlags are ctr cri's own (crictl's global flags). Because urfave/cli
// v3 flags are inherited, a subcommand flag with the same name or alias
// hides them inside that subcommand: put them before the subcommand.
func GlobalFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "runtime-endpoint", Aliases: []string{"r"}, Usage: "CRI runtime endpoint (unix:///path or /path); beats ctr --address [$CONTAINER_RUNTIME_ENDPOINT]"},
		&cli.StringFlag{Name: "image-endpoint", Aliases: []string{"i"}, Usage: "CRI image endpoint; default: the runtime endpoint [$IMAGE_SERVICE_ENDPOINT]"},
		&cli.DurationFlag{Name: "timeout", Aliases: []string{"t"}, Value: runtime.DefaultTimeout, Usage: "per-RPC timeout (list and lifecycle calls get at least 30s; pulls have --pull-timeout); never ends a stream"},
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "crictl config file (default " + DefaultConfigFile + ") [$CRI_CONFIG_FILE]", TakesFile: true},
		&cli.BoolFlag{Name: "debug", Aliases: []string{"D"}, Usage: "trace endpoint choice and every RPC on stderr"},
	}, moreGlobalFlags()...)
}

// FormatFlag is -o as a format: its Config holds the formats the command
// accepts, and help, completion and newPrinter all read that one list.
type FormatFlag = cli.FlagBase[string, formatConfig, formatValue]

type formatConfig struct{ Formats []string }

// formatValue is a plain string value (cli's own is unexported).
type formatValue struct{ dest *string }

func (formatValue) Create(v string, p *string, _ formatConfig) cli.Value {
	*p = v
	return &formatValue{dest: p}
}

// ToString quotes as cli's string flags do: help shows (default: "table").
func (formatValue) ToString(v string) string {
	if v == "" {
		return ""
	}
	return strconv.Quote(v)
}

func (f *formatValue) Set(v string) error { *f.dest = v; return nil }
func (f *formatValue) Get() any           { return *f.dest }
func (f *formatValue) String() string {
	if f.dest == nil {
		return ""
	}
	return formatValue{}.ToString(*f.dest)
}

// OutputFlag is -o/--output with default def, accepting formats.
func OutputFlag(def string, formats []string) *FormatFlag {
	return &FormatFlag{Name: "output", Aliases: []string{"o"}, Value: def,
		Config: formatConfig{Formats: formats}, Usage: formatUsage(formats)}
}

// formatUsage lists the formats, then how those with an argument are
// written; completion reads the formats from the flag's Config.
func formatUsage(formats []string) string {
	var args []string
	for _, f := range formats {
		if a := printer.FormatArg(f); a != f {
			args = append(args, a)
		}
	}
	u := "output format: " + strings.Join(formats, ", ")
	if len(args) > 0 {
		u += " (" + strings.Join(args, ", ") + ")"
	}
	return u
}

// SetFormats changes the formats a command's -o accepts, and its help.
func SetFormats(cmd *cli.Command, formats []string) {
	if f := FormatFlagOf(cmd); f != nil {
		f.Config.Formats = formats
		f.Usage = formatUsage(formats)
	}
}

// FormatFlagOf is the command's -o flag when it names a format (save's -o
// names a file).
func FormatFlagOf(cmd *cli.Command) *FormatFlag {
	for _, f := range cmd.Flags {
		if ff, ok := f.(*FormatFlag); ok && ff.Name == "output" {
			return ff
		}
	}
	return nil
}

// NoHeadersFlag is --no-headers.
func NoHeadersFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "no-headers", Usage: "leave out the header line of table, wide and custom-columns output"}
}

// TemplateFlag is --template, for -o go-template.
func TemplateFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "template", Usage: "Go template for -o go-template"}
}

// InspectQuietFlag is crictl's -q of inspect, inspectp, inspecti and info:
// the status without the runtime's verbose info (IDs are ps -q's job).
func InspectQuietFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the runtime's verbose information"}
}

// WithShortState gives --state crictl's -s alias (ps, pods, inspect,
// inspectp; not exec, whose -s is --sync).
func WithShortState(flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "state" {
			sf.Aliases = append(sf.Aliases, "s")
		}
	}
	return flags
}

// QuietFlag is -q/--quiet of list commands: only IDs of what.
func QuietFlag(what string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only print " + what + " IDs"}
}

// VerboseFlag is -v/--verbose.
func VerboseFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show details"}
}

// NoTruncFlag is --no-trunc: full IDs.
func NoTruncFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "no-trunc", Usage: "show full IDs"}
}

// LabelFlag is --label, a repeatable filter.
func LabelFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{Name: "label", Usage: "filter by label: " + runtime.LabelSyntax + " (repeatable, all must hold)"}
}

func latestFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "show only the most recently created"}
}

func lastFlag() *cli.IntFlag {
	return &cli.IntFlag{Name: "last", Aliases: []string{"n"}, Usage: "show the n most recently created (0 or less: all, as crictl)"}
}

func stateFlag(values []string) *cli.StringFlag {
	return &cli.StringFlag{Name: "state", Usage: "filter by state: " + strings.Join(values, ", "),
		Validator: OneOf("state", values)}
}

// OneOf is a flag validator accepting values (case-insensitively) or "".
func OneOf(flag string, values []string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return nil
			}
		}
		return fmt.Errorf("invalid --%s %q: use one of %s", flag, v, strings.Join(values, ", "))
	}
}

// PodFlag is --pod of the container commands (ps, inspect, exec, stats):
// one pod, named as positional pod arguments are. Under the crictl name an
// unknown pod selects nothing, as crictl's runtime-side filter does.
func PodFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "pod", Aliases: []string{"p"}, Usage: "filter by pod: ID, ID prefix, name or namespace/name"}
}

// ContainerFilterFlags are ps's filters, shared with inspect and exec.
func ContainerFilterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "id", Usage: "filter by container ID prefix"},
		&cli.StringFlag{Name: "name", Usage: "filter by container name (regular expression)"},
		PodFlag(),
		&cli.StringFlag{Name: "pod-name", Usage: "filter by pod name (regular expression)"},
		&cli.StringFlag{Name: "namespace", Usage: "filter by pod namespace (regular expression)"},
		&cli.StringFlag{Name: "image", Usage: "filter by image (ref, tag or ID)"},
		stateFlag(runtime.ContainerStates),
		LabelFlag(),
		latestFlag(),
		lastFlag(),
	}
}

// ContainerFilter reads containerFilterFlags.
func ContainerFilter(cmd *cli.Command) (runtime.ContainerFilter, error) {
	labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
	if err != nil {
		return runtime.ContainerFilter{}, &UsageError{Err: err}
	}
	if err := latestOrLast(cmd); err != nil {
		return runtime.ContainerFilter{}, err
	}
	return runtime.ContainerFilter{
		ID: cmd.String("id"), Name: cmd.String("name"), Pod: cmd.String("pod"), PodLenient: PersonalityOf(cmd).LenientPod,
		PodName: cmd.String("pod-name"), Namespace: cmd.String("namespace"), Image: cmd.String("image"),
		State: cmd.String("state"), Labels: labels, Latest: cmd.Bool("latest"), Last: cmd.Int("last"),
	}, nil
}

// PodFilterFlags are pods' filters, shared with inspectp.
func PodFilterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "id", Usage: "filter by pod ID prefix"},
		&cli.StringFlag{Name: "name", Usage: "filter by pod name (regular expression)"},
		&cli.StringFlag{Name: "namespace", Usage: "filter by pod namespace (regular expression)"},
		stateFlag(runtime.PodStates),
		LabelFlag(),
		latestFlag(),
		lastFlag(),
	}
}

// PodFilter reads PodFilterFlags.
func PodFilter(cmd *cli.Command) (runtime.PodFilter, error) {
	labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
	if err != nil {
		return runtime.PodFilter{}, &UsageError{Err: err}
	}
	if err := latestOrLast(cmd); err != nil {
		return runtime.PodFilter{}, err
	}
	return runtime.PodFilter{
		ID: cmd.String("id"), Name: cmd.String("name"), Namespace: cmd.String("namespace"),
		State: cmd.String("state"), Labels: labels, Latest: cmd.Bool("latest"), Last: cmd.Int("last"),
	}, nil
}

// PrintFlags are the flags that shape a command's output, read from the
// command once (BindPrintFlags): -o and the formats it accepts, --template,
// --no-headers, -q, -v and --no-trunc. A flag the command does not have is
// its zero value.
type PrintFlags struct {
	Output    string
	Formats   []string
	Template  string
	NoHeaders bool
	// Quiet: with -o json|yaml|… the document wins over -q, as in crictl:
	// the printer applies it to tables only.
	Quiet   bool
	Verbose bool
	NoTrunc bool
}

// BindPrintFlags reads cmd's print flags.
func BindPrintFlags(cmd *cli.Command) PrintFlags {
	f := PrintFlags{Output: cmd.String("output"), Formats: CommandFormats(cmd)}
	for name, v := range map[string]*bool{"no-headers": &f.NoHeaders, "quiet": &f.Quiet, "verbose": &f.Verbose, "no-trunc": &f.NoTrunc} {
		if HasFlag(cmd, name) {
			*v = cmd.Bool(name)
		}
	}
	if HasFlag(cmd, "template") {
		f.Template = cmd.String("template")
	}
	return f
}

// Options are the printer options of f; a flag that contradicts -o is a
// usage error here, before any RPC.
func (f PrintFlags) Options() (printer.Options, error) {
	opts := printer.Options{NoTrunc: f.NoTrunc, Quiet: f.Quiet, Verbose: f.Verbose, Template: f.Template}
	if f.NoHeaders {
		if !printer.Tabular(f.Output) {
			return opts, UsageErrorf("--no-headers goes with -o table, wide or custom-columns: -o %s has no header line", f.Output)
		}
		opts.NoHeaders = true
	}
	return opts, nil
}

// Printer builds the printer f asks for; a bad -o fails here, before any
// RPC.
func (f PrintFlags) Printer() (printer.Printer, error) {
	opts, err := f.Options()
	if err != nil {
		return nil, err
	}
	return printer.New(f.Output, f.Formats, opts)
}

// Stream is Printer for a sequence of results (stats -w, metricsp -w).
func (f PrintFlags) Stream() (*printer.Stream, error) {
	opts, err := f.Options()
	if err != nil {
		return nil, err
	}
	return printer.NewStream(f.Output, f.Formats, opts)
}

// TableOnly reports whether the output shows only table columns (or IDs),
// so that lists may skip decoding labels and annotations.
func (f PrintFlags) TableOnly() bool {
	if f.Output != printer.Table && f.Output != printer.Wide {
		return false // -q yields to a document format
	}
	return f.Quiet || !f.Verbose
}

// PrinterOptions is BindPrintFlags(cmd).Options().
func PrinterOptions(cmd *cli.Command) (printer.Options, error) { return BindPrintFlags(cmd).Options() }

// CommandFormats is what the command's -o accepts.
func CommandFormats(cmd *cli.Command) []string {
	if f := FormatFlagOf(cmd); f != nil {
		return f.Config.Formats
	}
	return nil
}

// NewPrinter is BindPrintFlags(cmd).Printer().
func NewPrinter(cmd *cli.Command) (printer.Printer, error) { return BindPrintFlags(cmd).Printer() }

// NewStream is BindPrintFlags(cmd).Stream().
func NewStream(cmd *cli.Command) (*printer.Stream, error) { return BindPrintFlags(cmd).Stream() }

// TableOnly is BindPrintFlags(cmd).TableOnly().
func TableOnly(cmd *cli.Command) bool { return BindPrintFlags(cmd).TableOnly() }

// Clock is the time tables measure ages against (Session.Now).
func Clock(cmd *cli.Command) time.Time { return SessionOf(cmd).Now() }

// OutputFormatsOf is what cmd's -o accepts, false when its -o is not a
// format (save's names a file).
func OutputFormatsOf(cmd *cli.Command) ([]string, bool) {
	if f := FormatFlagOf(cmd); f != nil {
		return f.Config.Formats, true
	}
	return nil, false
}

// latestOrLast refuses --latest with --last: crictl lets --latest win
// (Personality.LatestWins), ctr cri says the two disagree.
func latestOrLast(cmd *cli.Command) error {
	if cmd.Bool("latest") && cmd.IsSet("last") && !PersonalityOf(cmd).LatestWins {
		return UsageErrorf("--latest and --last cannot be combined: --latest is --last 1")
	}
	return nil
}
