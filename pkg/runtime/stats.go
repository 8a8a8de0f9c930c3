package runtime

import (
	"context"
	"errors"
	"slices"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// StatsFilter selects containers or pods for stats and statsp. IDs are
// exact (already resolved); ID is a prefix; Pod and PodLenient are
// ContainerFilter's; Labels go to the runtime.
type StatsFilter struct {
	IDs        []string
	ID         string
	Pod        string
	PodLenient bool
	Labels     LabelSelector
	// All includes containers that are not running (stats only).
	All bool
}

func (f StatsFilter) wants(id string) bool {
	return strings.HasPrefix(id, f.ID) && (len(f.IDs) == 0 || slices.Contains(f.IDs, id))
}

// ContainerStat is one container's usage with its state and pod.
type ContainerStat struct {
	*runtimeapi.ContainerStats
	State        runtimeapi.ContainerState
	PodID        string
	PodName      string
	PodNamespace string
}

// ContainerStatsList is one sample of container usage, sorted by ID.
type ContainerStatsList struct {
	Items []ContainerStat
}

// Running returns the running containers of l.
func (l *ContainerStatsList) Running() *ContainerStatsList {
	out := &ContainerStatsList{}
	for _, s := range l.Items {
		if s.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			out.Items = append(out.Items, s)
		}
	}
	return out
}

// Raw returns the CRI messages, for crictl-compatible JSON.
func (l *ContainerStatsList) Raw() []*runtimeapi.ContainerStats {
	out := make([]*runtimeapi.ContainerStats, len(l.Items))
	for i := range l.Items {
		out[i] = l.Items[i].ContainerStats
	}
	return out
}

// ContainerStatsSample is the raw usage of the selected containers from one
// ListContainerStats call, keyed by container ID: the earlier of two
// samples when the runtime reports no CPU rate of its own.
func (c *Client) ContainerStatsSample(ctx context.Context, f StatsFilter) (map[string]*runtimeapi.ContainerStats, error) {
	stats, err := c.listContainerStats(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*runtimeapi.ContainerStats, len(stats))
	for _, s := range stats {
		if f.wants(s.GetAttributes().GetId()) {
			out[s.GetAttributes().GetId()] = s
		}
	}
	return out, nil
}

// ContainerStats lists usage of the selected containers, sorted by ID,
// joined with each container's state and pod: exactly one
// ListContainerStats, one ListContainers and one ListPodSandbox call,
// whatever the number of containers.
func (c *Client) ContainerStats(ctx context.Context, f StatsFilter) (*ContainerStatsList, error) {
	// Independent calls: one round trip of latency, not two.
	var (
		stats []*runtimeapi.ContainerStats
		cl    *ContainerList
	)
	err := together(
		func() (err error) { stats, err = c.listContainerStats(ctx, f); return },
		func() (err error) {
			cl, err = c.ListContainers(ctx, ContainerFilter{All: true, Labels: f.Labels, Pod: f.Pod, PodLenient: f.PodLenient, Summary: true})
			return
		})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Container, len(cl.Items))
	for i := range cl.Items {
		byID[cl.Items[i].Id] = &cl.Items[i]
	}
	out := make([]ContainerStat, 0, len(stats))
	for _, s := range stats {
		id := s.GetAttributes().GetId()
		ct := byID[id]
		if ct == nil || !f.wants(id) {
			continue
		}
		if !f.All && ct.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		out = append(out, ContainerStat{ContainerStats: s, State: ct.State, PodID: ct.PodSandboxId, PodName: ct.PodName, PodNamespace: ct.PodNamespace})
	}
	slices.SortFunc(out, func(a, b ContainerStat) int {
		return strings.Compare(a.GetAttributes().GetId(), b.GetAttributes().GetId())
	})
	return &ContainerStatsList{Items: out}, nil
}

func (c *Client) listContainerStats(ctx context.Context, f StatsFilter) ([]*runtimeapi.ContainerStats, error) {
	req := &runtimeapi.ContainerStatsFilter{LabelSelector: f.Labels.Equal()}
	if len(f.IDs) == 1 {
		req.Id = f.IDs[0]
	}
	resp, err := list(ctx, c, "list container stats", func(ctx context.Context) (*runtimeapi.ListContainerStatsResponse, error) {
		return c.rt.ListContainerStats(ctx, &runtimeapi.ListContainerStatsRequest{Filter: req})
	})
	if err != nil {
		return nil, err
	}
	return resp.Stats, nil
}

// PodStats lists usage of the selected pods, sorted by ID, with one
// ListPodSandboxStats call.
func (c *Client) PodStats(ctx context.Context, f StatsFilter) ([]*runtimeapi.PodSandboxStats, error) {
	req := &runtimeapi.PodSandboxStatsFilter{LabelSelector: f.Labels.Equal()}
	if len(f.IDs) == 1 {
		req.Id = f.IDs[0]
	}
	resp, err := list(ctx, c, "list pod stats", func(ctx context.Context) (*runtimeapi.ListPodSandboxStatsResponse, error) {
		return c.rt.ListPodSandboxStats(ctx, &runtimeapi.ListPodSandboxStatsRequest{Filter: req})
	})
	var rerr *Error
	if errors.As(err, &rerr) && strings.Contains(rerr.Error(), "has no cgroup parent") {
		rerr.Hint = "pod stats need the pod config's linux.cgroup_parent, which kubelet always sets"
	}
	if err != nil {
		return nil, err
	}
	out := make([]*runtimeapi.PodSandboxStats, 0, len(resp.Stats))
	for _, s := range resp.Stats {
		if f.wants(s.GetAttributes().GetId()) && f.Labels.Matches(s.GetAttributes().GetLabels()) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *runtimeapi.PodSandboxStats) int {
		return strings.Compare(a.GetAttributes().GetId(), b.GetAttributes().GetId())
	})
	return out, nil
}

// PodCPU is the CPU usage of a pod's stats, Linux or Windows.
func PodCPU(s *runtimeapi.PodSandboxStats) *runtimeapi.CpuUsage {
	if l := s.GetLinux(); l != nil {
		return l.GetCpu()
	}
	w := s.GetWindows().GetCpu()
	if w == nil {
		return nil
	}
	return &runtimeapi.CpuUsage{Timestamp: w.Timestamp, UsageCoreNanoSeconds: w.UsageCoreNanoSeconds, UsageNanoCores: w.UsageNanoCores}
}

// PodMemory is the working set of a pod's stats, Linux or Windows.
func PodMemory(s *runtimeapi.PodSandboxStats) uint64 {
	if l := s.GetLinux(); l != nil {
		return l.GetMemory().GetWorkingSetBytes().GetValue()
	}
	return s.GetWindows().GetMemory().GetWorkingSetBytes().GetValue()
}

// HasCPURate reports whether the runtime computed the CPU rate itself
// (usage_nano_cores), so that one sample is enough.
func HasCPURate(u *runtimeapi.CpuUsage) bool { return u.GetUsageNanoCores() != nil }

// CPUPercent is CPU usage in percent of one core: the runtime's own rate
// when it reports one, else the difference against an earlier sample. ok is
// false when neither is available.
func CPUPercent(cur, prev *runtimeapi.CpuUsage) (pct float64, ok bool) {
	if n := cur.GetUsageNanoCores(); n != nil {
		return float64(n.GetValue()) / 1e7, true
	}
	if cur == nil || prev == nil || cur.GetUsageCoreNanoSeconds() == nil || prev.GetUsageCoreNanoSeconds() == nil {
		return 0, false
	}
	dt := cur.Timestamp - prev.Timestamp
	u, p := cur.GetUsageCoreNanoSeconds().GetValue(), prev.GetUsageCoreNanoSeconds().GetValue()
	if dt <= 0 || u < p {
		return 0, false
	}
	return float64(u-p) / float64(dt) * 100, true
}

// PodMetrics returns the runtime's pod metrics (ListPodSandboxMetrics).
func (c *Client) PodMetrics(ctx context.Context) (*runtimeapi.ListPodSandboxMetricsResponse, error) {
	resp, err := list(ctx, c, "list pod metrics", func(ctx context.Context) (*runtimeapi.ListPodSandboxMetricsResponse, error) {
		r, err := c.rt.ListPodSandboxMetrics(ctx, &runtimeapi.ListPodSandboxMetricsRequest{})
		return r, unimplemented(err, "list pod metrics", "ListPodSandboxMetrics", "containerd serves it from 2.2")
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(resp.PodMetrics, func(a, b *runtimeapi.PodSandboxMetrics) int { return strings.Compare(a.PodSandboxId, b.PodSandboxId) })
	return resp, nil
}

// MetricDescriptors returns the descriptors of the metrics PodMetrics reports.
func (c *Client) MetricDescriptors(ctx context.Context) (*runtimeapi.ListMetricDescriptorsResponse, error) {
	resp, err := unary(ctx, c, "list metric descriptors", "", func(ctx context.Context) (*runtimeapi.ListMetricDescriptorsResponse, error) {
		r, err := c.rt.ListMetricDescriptors(ctx, &runtimeapi.ListMetricDescriptorsRequest{})
		return r, unimplemented(err, "list metric descriptors", "ListMetricDescriptors", "containerd serves it from 2.2")
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(resp.Descriptors, func(a, b *runtimeapi.MetricDescriptor) int { return strings.Compare(a.Name, b.Name) })
	return resp, nil
}
