package streaming

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// clearScreen homes the cursor on a cleared screen, before each -w refresh
// of a table on a terminal.
const clearScreen = "\x1b[2J\x1b[H"

func watchFlags(what string) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "refresh every --seconds until Ctrl-C"},
		&cli.IntFlag{Name: "seconds", Aliases: []string{"s"}, Value: 1, Usage: what},
	}
}

// watcher repeats a refresh every interval with -w, clearing the screen
// before each table when stdout is a terminal.
type watcher struct {
	watch    bool
	interval time.Duration
	clear    bool
	out      io.Writer
}

func newWatcher(cmd *cli.Command, table bool) (*watcher, error) {
	secs := cmd.Int("seconds")
	if secs <= 0 {
		return nil, cmdutil.UsageErrorf("invalid --seconds %d: must be at least 1", secs)
	}
	w := &watcher{watch: cmd.Bool("watch"), interval: time.Duration(secs) * time.Second, out: cmdutil.Stdout(cmd)}
	_, tty := termui.TerminalFd(w.out)
	w.clear = w.watch && table && tty
	return w, nil
}

// run calls refresh once, or with -w until ctx ends (a clean nil).
func (w *watcher) run(ctx context.Context, refresh func(ctx context.Context) error) error {
	for {
		err := refresh(ctx)
		if termui.Interrupted(ctx, err) {
			return nil
		}
		if err != nil || !w.watch {
			return err
		}
		if !cmdutil.Sleep(ctx, w.interval) {
			return nil
		}
	}
}

func (w *watcher) print(p *printer.Stream, r *printer.Resource) error {
	if w.clear {
		if _, err := io.WriteString(w.out, clearScreen); err != nil {
			return err
		}
	}
	return p.Print(w.out, r)
}

func isTable(cmd *cli.Command) bool {
	return cmd.String("output") == printer.Table
}

// statsSample is one reading of stats or statsp: the CPU counters by ID,
// whether a second reading is needed for a CPU %, and how to print it.
type statsSample struct {
	cpu         map[string]*runtimeapi.CpuUsage
	needsSecond bool
	resource    func(cpu views.CPUFunc) *printer.Resource
}

// statsKind is what stats and statsp differ in: the objects named as
// arguments and the call that reads them.
type statsKind struct {
	resolve func(ctx context.Context, c *runtime.Client, refs []string) (ids []string, missing []error, err error)
	read    func(ctx context.Context, c *runtime.Client, f runtime.StatsFilter) (statsSample, error)
}

// NewStatsCommand returns a fresh "stats" command: show container resource
// usage, sorted by ID.
func NewStatsCommand() *cli.Command {
	cmd := &cli.Command{
		Name:                   "stats",
		UseShortOptionHandling: true,
		Usage:                  "Show container resource usage, sorted by ID",
		Description: `Tables (also custom-columns) show running containers only unless -a; documents
(-o json, yaml, go-template, jsonpath) list every container the runtime reports, as
crictl's do. CPU % is the runtime's own rate when it reports
one (usage_nano_cores), else measured between two samples --seconds apart. Each
refresh makes one ListContainerStats call (plus ListContainers and ListPodSandbox
for state and pod names), whatever the number of containers.`,
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, Args: cmdutil.ArgsMany, Synopsis: "[CONTAINER...]"},
			cmdutil.Ex("CPU and memory of the running containers",
				"ctr cri stats"),
			cmdutil.Ex("Refresh every 2 seconds until Ctrl-C",
				"ctr cri stats -w -s 2"),
			cmdutil.Ex("The containers of pod shop/web, every state",
				"ctr cri stats -a --pod shop/web"),
			cmdutil.Ex("Raw memory bytes per container",
				"ctr cri stats -o custom-columns=NAME:.attributes.metadata.name,MEM:.memory.workingSetBytes.value"),
		),
		Category: cmdutil.CatStreaming,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "include containers that are not running"},
			&cli.StringFlag{Name: "id", Usage: "filter by container ID prefix"},
			cmdutil.PodFlag(),
			cmdutil.LabelFlag(),
			cmdutil.OutputFlag(printer.Table, printer.ListFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
		},
			watchFlags("refresh interval with -w, and CPU sample interval")...),
	}
	cmd.Action = statsAction(statsKind{
		resolve: func(ctx context.Context, c *runtime.Client, refs []string) ([]string, []error, error) {
			res, err := c.ResolveContainers(ctx, refs)
			if err != nil {
				return nil, nil, err
			}
			_, ids, errs := cmdutil.Split(res, cmdutil.ContainerID)
			return ids, errs, nil
		},
		read: func(ctx context.Context, c *runtime.Client, f runtime.StatsFilter) (statsSample, error) {
			// A document lists every container the runtime reports, as
			// crictl's does (exited ones without cpu and memory); -a is
			// for tables (custom-columns too): running ones without it.
			all := f.All
			f.All = true
			doc, err := c.ContainerStats(ctx, f)
			if err != nil {
				return statsSample{}, err
			}
			l := doc
			if !all && printer.Tabular(cmd.String("output")) {
				l = doc.Running()
				doc = l
			}
			return statsSample{cpu: containerCPU(l), needsSecond: needsSecondSample(l),
				resource: func(cpu views.CPUFunc) *printer.Resource { return views.ContainerStats(doc, l, cpu) }}, nil
		},
	})
	return cmd
}

// NewPodStatsCommand returns a fresh "statsp" command: show pod resource
// usage, sorted by ID.
func NewPodStatsCommand() *cli.Command {
	cmd := &cli.Command{
		Name:                   "statsp",
		UseShortOptionHandling: true,
		Usage:                  "Show pod resource usage, sorted by ID",
		Description: `CPU % is the runtime's own rate when it reports one, else measured between two
samples --seconds apart. One ListPodSandboxStats call per refresh. The runtime
needs the pod's cgroup: pods whose config sets no linux.cgroup_parent have none.`,
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, Args: cmdutil.ArgsMany, Synopsis: "[POD...]"},
			cmdutil.Ex("CPU and memory of every pod",
				"ctr cri statsp"),
			cmdutil.Ex("Pods labelled app=web, refreshed until Ctrl-C",
				"ctr cri statsp -w --label app=web"),
		),
		Category: cmdutil.CatStreaming,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "filter by pod ID prefix"},
			cmdutil.LabelFlag(),
			cmdutil.OutputFlag(printer.Table, printer.ListFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
		},
			watchFlags("refresh interval with -w, and CPU sample interval")...),
	}
	cmd.Action = statsAction(statsKind{
		resolve: func(ctx context.Context, c *runtime.Client, refs []string) ([]string, []error, error) {
			res, err := c.ResolvePods(ctx, refs)
			if err != nil {
				return nil, nil, err
			}
			_, ids, errs := cmdutil.Split(res, cmdutil.PodID)
			return ids, errs, nil
		},
		read: func(ctx context.Context, c *runtime.Client, f runtime.StatsFilter) (statsSample, error) {
			stats, err := c.PodStats(ctx, f)
			if err != nil {
				return statsSample{}, err
			}
			return statsSample{cpu: podCPU(stats), needsSecond: podsNeedSecondSample(stats),
				resource: func(cpu views.CPUFunc) *printer.Resource { return views.PodStats(stats, cpu) }}, nil
		},
	})
	return cmd
}

// statsAction is stats' and statsp's Action: read, and with -w read again
// every --seconds; a CPU % the runtime does not report is measured between
// two readings.
func statsAction(kind statsKind) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		p, err := cmdutil.NewStream(cmd)
		if err != nil {
			return err
		}
		w, err := newWatcher(cmd, isTable(cmd))
		if err != nil {
			return err
		}
		labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
		if err != nil {
			return &cmdutil.UsageError{Err: err}
		}
		f := runtime.StatsFilter{ID: cmd.String("id"), Labels: labels}
		if cmdutil.HasFlag(cmd, "pod") {
			f.Pod, f.PodLenient = cmd.String("pod"), cmdutil.PersonalityOf(cmd).LenientPod
		}
		if cmdutil.HasFlag(cmd, "all") {
			f.All = cmd.Bool("all")
		}
		ctx, stop := termui.Interruptible(ctx)
		defer stop()
		return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) (err error) {
			var missing []error
			defer func() { err = errors.Join(append(missing, err)...) }()
			if cmd.NArg() > 0 {
				ids, errs, err := kind.resolve(ctx, c, cmd.Args().Slice())
				if err != nil {
					return err
				}
				if len(ids) == 0 {
					return errors.Join(errs...)
				}
				// The targets found are printed; the others fail after.
				f.IDs, missing = ids, errs
			}
			var prev map[string]*runtimeapi.CpuUsage
			return w.run(ctx, func(ctx context.Context) error {
				s, err := kind.read(ctx, c, f)
				if err != nil {
					return err
				}
				if prev == nil && isTable(cmd) && s.needsSecond {
					prev = s.cpu
					if !cmdutil.Sleep(ctx, w.interval) {
						return ctx.Err()
					}
					if s, err = kind.read(ctx, c, f); err != nil {
						return err
					}
				}
				cur, last := s.cpu, prev
				cpu := func(id string) (float64, bool) { return runtime.CPUPercent(cur[id], last[id]) }
				prev = cur
				return w.print(p, s.resource(cpu))
			})
		})
	}
}

func containerCPU(l *runtime.ContainerStatsList) map[string]*runtimeapi.CpuUsage {
	m := make(map[string]*runtimeapi.CpuUsage, len(l.Items))
	for _, s := range l.Items {
		m[s.GetAttributes().GetId()] = s.GetCpu()
	}
	return m
}

// needsSecondSample: some running container has CPU time but no rate.
func needsSecondSample(l *runtime.ContainerStatsList) bool {
	for _, s := range l.Items {
		if s.State == runtimeapi.ContainerState_CONTAINER_RUNNING && s.GetCpu() != nil && !runtime.HasCPURate(s.GetCpu()) {
			return true
		}
	}
	return false
}

func podCPU(stats []*runtimeapi.PodSandboxStats) map[string]*runtimeapi.CpuUsage {
	m := make(map[string]*runtimeapi.CpuUsage, len(stats))
	for _, s := range stats {
		m[s.GetAttributes().GetId()] = runtime.PodCPU(s)
	}
	return m
}

func podsNeedSecondSample(stats []*runtimeapi.PodSandboxStats) bool {
	for _, s := range stats {
		if u := runtime.PodCPU(s); u != nil && !runtime.HasCPURate(u) {
			return true
		}
	}
	return false
}

// metricsFormats are metricsp's: documents, and custom-columns over the
// pods' metrics.
var metricsFormats = []string{printer.JSON, printer.YAML, printer.GoTemplate, printer.JSONPath, printer.CustomColumns}

// NewPodMetricsCommand returns a fresh "metricsp" command: show the runtime's
// pod metrics (ListPodSandboxMetrics; containerd 2.2 or newer).
func NewPodMetricsCommand() *cli.Command {
	return &cli.Command{
		Name:                   "metricsp",
		UseShortOptionHandling: true,
		Usage:                  "Show the runtime's pod metrics (ListPodSandboxMetrics; containerd 2.2 or newer)",
		Category:               cmdutil.CatStreaming,
		Flags: append([]cli.Flag{cmdutil.OutputFlag(printer.JSON, metricsFormats), cmdutil.TemplateFlag(), cmdutil.NoHeadersFlag()},
			watchFlags("refresh interval with -w")...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewStream(cmd)
			if err != nil {
				return err
			}
			w, err := newWatcher(cmd, false)
			if err != nil {
				return err
			}
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return w.run(ctx, func(ctx context.Context) error {
					m, err := c.PodMetrics(ctx)
					if err != nil {
						return err
					}
					return w.print(p, views.PodMetrics(m))
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("The runtime's pod metrics",
				"ctr cri metricsp"),
			cmdutil.Ex("The same as YAML, every 10 seconds",
				"ctr cri metricsp -o yaml -w -s 10"),
		),
	}
}

// NewMetricDescsCommand returns a fresh "metricdescs" command: list the
// descriptors of the metrics metricsp shows (containerd 2.2 or newer).
func NewMetricDescsCommand() *cli.Command {
	cmd := cmdutil.DocCommand("metricdescs", "List the descriptors of the metrics metricsp shows (containerd 2.2 or newer)", cmdutil.CatStreaming, printer.JSON, []string{printer.Table, printer.JSON, printer.YAML, printer.GoTemplate, printer.JSONPath, printer.CustomColumns},
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			d, err := c.MetricDescriptors(ctx)
			if err != nil {
				return nil, err
			}
			return views.MetricDescriptors(d), nil
		})
	cmd.Metadata = cmdutil.About(cmdutil.ArgSpec{CrictlHelp: cmdutil.HelpOnArity},
		cmdutil.Ex("What the metrics of metricsp mean",
			"ctr cri metricdescs -o table"),
	)
	cmd.UseShortOptionHandling = true
	return cmd
}
