package cricli

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
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
		return nil, usageErrorf("invalid --seconds %d: must be at least 1", secs)
	}
	w := &watcher{watch: cmd.Bool("watch"), interval: time.Duration(secs) * time.Second, out: cmd.Root().Writer}
	_, tty := terminalFd(w.out)
	w.clear = w.watch && table && tty
	return w, nil
}

// run calls refresh once, or with -w until ctx ends (a clean nil).
func (w *watcher) run(ctx context.Context, refresh func(ctx context.Context) error) error {
	for {
		err := refresh(ctx)
		if interrupted(ctx, err) {
			return nil
		}
		if err != nil || !w.watch {
			return err
		}
		if !sleep(ctx, w.interval) {
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

// sleep waits d unless ctx ends first (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func isTable(cmd *cli.Command) bool {
	return cmd.String("output") == printer.Table
}

func newStatsCommand() *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "Show container resource usage, sorted by ID",
		UsageText: "ctr cri stats [options] [CONTAINER...]",
		Description: `Running containers only unless -a. CPU % is the runtime's own rate when it reports
one (usage_nano_cores), else measured between two samples --seconds apart. Each
refresh makes one ListContainerStats call (plus ListContainers and ListPodSandbox
for state and pod names), whatever the number of containers.`,
		Category: catStreaming,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "include containers that are not running"},
			&cli.StringFlag{Name: "id", Usage: "filter by container ID prefix"},
			podFlag(),
			labelFlag(),
			outputFlag(printer.Table, printer.StatsFormats), templateFlag(),
		}, watchFlags("refresh interval with -w, and CPU sample interval")...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := printer.NewStream(cmd.String("output"), printer.StatsFormats, printer.Options{Template: cmd.String("template")})
			if err != nil {
				return err
			}
			w, err := newWatcher(cmd, isTable(cmd))
			if err != nil {
				return err
			}
			labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
			if err != nil {
				return &UsageError{Err: err}
			}
			f := runtime.StatsFilter{ID: cmd.String("id"), Pod: cmd.String("pod"), PodLenient: isCrictl(cmd), Labels: labels, All: cmd.Bool("all")}
			ctx, stop := interruptible(ctx)
			defer stop()
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) (err error) {
				var missing []error
				defer func() { err = errors.Join(append(missing, err)...) }()
				if cmd.NArg() > 0 {
					res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
					if err != nil {
						return err
					}
					_, ids, errs := split(res, containerID)
					if len(ids) == 0 {
						return errors.Join(errs...)
					}
					// The targets found are printed; the others fail after.
					f.IDs, missing = ids, errs
				}
				var prev map[string]*runtimeapi.CpuUsage
				return w.run(ctx, func(ctx context.Context) error {
					l, err := c.ContainerStats(ctx, f)
					if err != nil {
						return err
					}
					if prev == nil && isTable(cmd) && needsSecondSample(l) {
						prev = containerCPU(l)
						if !sleep(ctx, w.interval) {
							return ctx.Err()
						}
						if l, err = c.ContainerStats(ctx, f); err != nil {
							return err
						}
					}
					cur, last := containerCPU(l), prev
					cpu := func(id string) (float64, bool) { return runtime.CPUPercent(cur[id], last[id]) }
					prev = cur
					return w.print(p, printer.ContainerStats(l, cpu))
				})
			})
		},
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

func newPodStatsCommand() *cli.Command {
	return &cli.Command{
		Name:      "statsp",
		Usage:     "Show pod resource usage, sorted by ID",
		UsageText: "ctr cri statsp [options] [POD...]",
		Description: `CPU % is the runtime's own rate when it reports one, else measured between two
samples --seconds apart. One ListPodSandboxStats call per refresh. The runtime
needs the pod's cgroup: pods whose config sets no linux.cgroup_parent have none.`,
		Category: catStreaming,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "filter by pod ID prefix"},
			labelFlag(),
			outputFlag(printer.Table, printer.StatsFormats), templateFlag(),
		}, watchFlags("refresh interval with -w, and CPU sample interval")...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := printer.NewStream(cmd.String("output"), printer.StatsFormats, printer.Options{Template: cmd.String("template")})
			if err != nil {
				return err
			}
			w, err := newWatcher(cmd, isTable(cmd))
			if err != nil {
				return err
			}
			labels, err := runtime.ParseLabels(cmd.StringSlice("label"))
			if err != nil {
				return &UsageError{Err: err}
			}
			f := runtime.StatsFilter{ID: cmd.String("id"), Labels: labels}
			ctx, stop := interruptible(ctx)
			defer stop()
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) (err error) {
				var missing []error
				defer func() { err = errors.Join(append(missing, err)...) }()
				if cmd.NArg() > 0 {
					res, err := c.ResolvePods(ctx, cmd.Args().Slice())
					if err != nil {
						return err
					}
					_, ids, errs := split(res, podID)
					if len(ids) == 0 {
						return errors.Join(errs...)
					}
					// The targets found are printed; the others fail after.
					f.IDs, missing = ids, errs
				}
				var prev map[string]*runtimeapi.CpuUsage
				return w.run(ctx, func(ctx context.Context) error {
					stats, err := c.PodStats(ctx, f)
					if err != nil {
						return err
					}
					if prev == nil && isTable(cmd) && podsNeedSecondSample(stats) {
						prev = podCPU(stats)
						if !sleep(ctx, w.interval) {
							return ctx.Err()
						}
						if stats, err = c.PodStats(ctx, f); err != nil {
							return err
						}
					}
					cur, last := podCPU(stats), prev
					cpu := func(id string) (float64, bool) { return runtime.CPUPercent(cur[id], last[id]) }
					prev = cur
					return w.print(p, printer.PodStats(stats, cpu))
				})
			})
		},
	}
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

func newPodMetricsCommand() *cli.Command {
	return &cli.Command{
		Name:     "metricsp",
		Usage:    "Show the runtime's pod metrics (ListPodSandboxMetrics; containerd 2.2 or newer)",
		Category: catStreaming,
		Flags: append([]cli.Flag{outputFlag(printer.JSON, printer.DocFormats), templateFlag()},
			watchFlags("refresh interval with -w")...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			p, err := printer.NewStream(cmd.String("output"), printer.DocFormats, printer.Options{Template: cmd.String("template")})
			if err != nil {
				return err
			}
			w, err := newWatcher(cmd, false)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(ctx)
			defer stop()
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return w.run(ctx, func(ctx context.Context) error {
					m, err := c.PodMetrics(ctx)
					if err != nil {
						return err
					}
					return w.print(p, printer.PodMetrics(m))
				})
			})
		},
	}
}

func newMetricDescsCommand() *cli.Command {
	return docCommand("metricdescs", "List the descriptors of the metrics metricsp shows (containerd 2.2 or newer)", catStreaming,
		printer.JSON, []string{printer.JSON, printer.YAML, printer.GoTemplate, printer.Table},
		func(ctx context.Context, c *runtime.Client) (*printer.Resource, error) {
			d, err := c.MetricDescriptors(ctx)
			if err != nil {
				return nil, err
			}
			return printer.MetricDescriptors(d), nil
		})
}
