package cricli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// globalFlags are ctr cri's own (crictl's global flags). Because urfave/cli
// v3 flags are inherited, a subcommand flag with the same name or alias
// hides them inside that subcommand: put them before the subcommand.
func globalFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "runtime-endpoint", Aliases: []string{"r"}, Usage: "CRI runtime endpoint (unix:///path or /path); beats ctr --address [$CONTAINER_RUNTIME_ENDPOINT]"},
		&cli.StringFlag{Name: "image-endpoint", Aliases: []string{"i"}, Usage: "CRI image endpoint; default: the runtime endpoint [$IMAGE_SERVICE_ENDPOINT]"},
		&cli.DurationFlag{Name: "timeout", Aliases: []string{"t"}, Value: runtime.DefaultTimeout, Usage: "per-RPC timeout (list and lifecycle calls get at least 30s; pulls have --pull-timeout); never ends a stream"},
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "crictl config file (default " + DefaultConfigFile + ") [$CRI_CONFIG_FILE]", TakesFile: true},
		&cli.BoolFlag{Name: "debug", Aliases: []string{"D"}, Usage: "trace endpoint choice and every RPC on stderr"},
	}, moreGlobalFlags()...)
}

// formatFlag is -o as a format: its Config holds the formats the command
// accepts, and help, completion and newPrinter all read that one list.
type formatFlag = cli.FlagBase[string, formatConfig, formatValue]

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

func outputFlag(def string, formats []string) *formatFlag {
	return &formatFlag{Name: "output", Aliases: []string{"o"}, Value: def,
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

// setFormats changes the formats a command's -o accepts, and its help.
func setFormats(cmd *cli.Command, formats []string) {
	if f := formatFlagOf(cmd); f != nil {
		f.Config.Formats = formats
		f.Usage = formatUsage(formats)
	}
}

// formatFlagOf is the command's -o flag when it names a format (save's -o
// names a file).
func formatFlagOf(cmd *cli.Command) *formatFlag {
	for _, f := range cmd.Flags {
		if ff, ok := f.(*formatFlag); ok && ff.Name == "output" {
			return ff
		}
	}
	return nil
}

// gluedFormats accepts kubectl's habit of gluing the format to -o
// (-ojson, -owide, -ojsonpath=EXPR) on every command whose -o is a format:
// urfave reads -ojson as a flag named "ojson", so each format gets such a
// hidden flag, which sets -o. The printer then checks the format as usual.
func gluedFormats(cmd *cli.Command) {
	for _, sub := range cmd.Commands {
		gluedFormats(sub)
	}
	f := formatFlagOf(cmd)
	if f == nil {
		return
	}
	// A set of the names taken, built once: asking every flag for Names()
	// per format was 2.6M of the 17.9M instructions of `ctr --version`.
	taken := map[string]bool{}
	for _, fl := range cmd.Flags {
		for _, n := range fl.Names() {
			taken[n] = true
		}
	}
	for _, format := range append(slices.Clone(f.Config.Formats), printer.ListFormats...) {
		name := "o" + format
		if taken[name] {
			continue
		}
		taken[name] = true
		if printer.FormatArg(format) != format {
			cmd.Flags = append(cmd.Flags, &cli.StringFlag{Name: name, Hidden: true,
				Action: func(_ context.Context, c *cli.Command, v string) error { return c.Set("output", format+"="+v) }})
			continue
		}
		cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: name, Hidden: true,
			Action: func(_ context.Context, c *cli.Command, v bool) error { return c.Set("output", format) }})
	}
}

func noHeadersFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "no-headers", Usage: "leave out the header line of table, wide and custom-columns output"}
}

func templateFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "template", Usage: "Go template for -o go-template"}
}

// inspectQuietFlag is crictl's -q of inspect, inspectp, inspecti and info:
// the status without the runtime's verbose info (IDs are ps -q's job).
func inspectQuietFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the runtime's verbose information"}
}

// withShortState gives --state crictl's -s alias (ps, pods, inspect,
// inspectp; not exec, whose -s is --sync).
func withShortState(flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "state" {
			sf.Aliases = append(sf.Aliases, "s")
		}
	}
	return flags
}

func quietFlag(what string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only print " + what + " IDs"}
}

func verboseFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show details"}
}

func noTruncFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "no-trunc", Usage: "show full IDs"}
}

func labelFlag() *cli.StringSliceFlag {
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
		Validator: oneOf("state", values)}
}

func oneOf(flag string, values []string) func(string) error {
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

// podFlag is --pod of the container commands (ps, inspect, exec, stats):
// one pod, named as positional pod arguments are. Under the crictl name an
// unknown pod selects nothing, as crictl's runtime-side filter does.
func podFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "pod", Aliases: []string{"p"}, Usage: "filter by pod: ID, ID prefix, name or namespace/name"}
}

// containerFilterFlags are ps's filters, shared with inspect and exec.
func containerFilterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "id", Usage: "filter by container ID prefix"},
		&cli.StringFlag{Name: "name", Usage: "filter by container name (regular expression)"},
		podFlag(),
		&cli.StringFlag{Name: "pod-name", Usage: "filter by pod name (regular expression)"},
		&cli.StringFlag{Name: "namespace", Usage: "filter by pod namespace (regular expression)"},
		&cli.StringFlag{Name: "image", Usage: "filter by image (ref, tag or ID)"},
		stateFlag(runtime.ContainerStates),
		labelFlag(),
		latestFlag(),
		lastFlag(),
	}
}

// containerFilter reads containerFilterFlags.
func containerFilter(cmd *cli.Command) (runtime.ContainerFilter, error) {
	labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
	if err != nil {
		return runtime.ContainerFilter{}, &UsageError{Err: err}
	}
	if cmd.Bool("latest") && cmd.IsSet("last") && !isCrictl(cmd) {
		// crictl lets --latest win; ctr cri says the two disagree.
		return runtime.ContainerFilter{}, usageErrorf("--latest and --last cannot be combined: --latest is --last 1")
	}
	return runtime.ContainerFilter{
		ID: cmd.String("id"), Name: cmd.String("name"), Pod: cmd.String("pod"), PodLenient: isCrictl(cmd),
		PodName: cmd.String("pod-name"), Namespace: cmd.String("namespace"), Image: cmd.String("image"),
		State: cmd.String("state"), Labels: labels, Latest: cmd.Bool("latest"), Last: cmd.Int("last"),
	}, nil
}

// podFilterFlags are pods' filters, shared with inspectp.
func podFilterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "id", Usage: "filter by pod ID prefix"},
		&cli.StringFlag{Name: "name", Usage: "filter by pod name (regular expression)"},
		&cli.StringFlag{Name: "namespace", Usage: "filter by pod namespace (regular expression)"},
		stateFlag(runtime.PodStates),
		labelFlag(),
		latestFlag(),
		lastFlag(),
	}
}

func podFilter(cmd *cli.Command) (runtime.PodFilter, error) {
	labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
	if err != nil {
		return runtime.PodFilter{}, &UsageError{Err: err}
	}
	if cmd.Bool("latest") && cmd.IsSet("last") && !isCrictl(cmd) {
		// crictl lets --latest win; ctr cri says the two disagree.
		return runtime.PodFilter{}, usageErrorf("--latest and --last cannot be combined: --latest is --last 1")
	}
	return runtime.PodFilter{
		ID: cmd.String("id"), Name: cmd.String("name"), Namespace: cmd.String("namespace"),
		State: cmd.String("state"), Labels: labels, Latest: cmd.Bool("latest"), Last: cmd.Int("last"),
	}, nil
}

// printerOptions reads the flags that shape output beside -o; a flag that
// contradicts -o is a usage error here, before any RPC.
func printerOptions(cmd *cli.Command) (printer.Options, error) {
	opts := printer.Options{}
	if hasFlag(cmd, "no-trunc") {
		opts.NoTrunc = cmd.Bool("no-trunc")
	}
	if hasFlag(cmd, "quiet") {
		// With -o json|yaml|… the document wins over -q, as in crictl: the
		// printer applies -q to tables only.
		opts.Quiet = cmd.Bool("quiet")
	}
	if hasFlag(cmd, "verbose") {
		opts.Verbose = cmd.Bool("verbose")
	}
	if hasFlag(cmd, "template") {
		opts.Template = cmd.String("template")
	}
	if hasFlag(cmd, "no-headers") && cmd.Bool("no-headers") {
		if out := cmd.String("output"); !printer.Tabular(out) {
			return opts, usageErrorf("--no-headers goes with -o table, wide or custom-columns: -o %s has no header line", out)
		}
		opts.NoHeaders = true
	}
	return opts, nil
}

// outputFormats is what the command's -o accepts.
func commandFormats(cmd *cli.Command) []string {
	if f := formatFlagOf(cmd); f != nil {
		return f.Config.Formats
	}
	return nil
}

// newPrinter builds the printer from -o and friends; a bad -o fails here,
// before any RPC.
func newPrinter(cmd *cli.Command) (printer.Printer, error) {
	opts, err := printerOptions(cmd)
	if err != nil {
		return nil, err
	}
	return printer.New(cmd.String("output"), commandFormats(cmd), opts)
}

// newStream is newPrinter for a sequence of results (stats -w, metricsp -w).
func newStream(cmd *cli.Command) (*printer.Stream, error) {
	opts, err := printerOptions(cmd)
	if err != nil {
		return nil, err
	}
	return printer.NewStream(cmd.String("output"), commandFormats(cmd), opts)
}

// tableOnly reports whether the output shows only table columns (or IDs),
// so that lists may skip decoding labels and annotations.
func tableOnly(cmd *cli.Command) bool {
	out := cmd.String("output")
	if out != printer.Table && out != printer.Wide {
		return false // -q yields to a document format
	}
	return cmd.Bool("quiet") || !cmd.Bool("verbose")
}

// clock is the time tables measure ages against; tests pin it through the
// root command's Metadata so that golden files are stable.
func clock(cmd *cli.Command) time.Time {
	if t, ok := cmd.Root().Metadata["now"].(time.Time); ok {
		return t
	}
	return time.Now()
}
