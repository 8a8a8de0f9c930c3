package cricli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

func u64(v uint64) *runtimeapi.UInt64Value { return &runtimeapi.UInt64Value{Value: v} }

// cstat is a container's stats; rate < 0 leaves usage_nano_cores unset.
func cstat(id, name string, rate int64, cpuNanos uint64, ts int64, mem uint64) *runtimeapi.ContainerStats {
	s := &runtimeapi.ContainerStats{
		Attributes:    &runtimeapi.ContainerAttributes{Id: id, Metadata: &runtimeapi.ContainerMetadata{Name: name}},
		Cpu:           &runtimeapi.CpuUsage{Timestamp: ts, UsageCoreNanoSeconds: u64(cpuNanos)},
		Memory:        &runtimeapi.MemoryUsage{Timestamp: ts, WorkingSetBytes: u64(mem)},
		WritableLayer: &runtimeapi.FilesystemUsage{Timestamp: ts, UsedBytes: u64(mem / 10), InodesUsed: u64(42)},
		Swap:          &runtimeapi.SwapUsage{Timestamp: ts, SwapUsageBytes: u64(0)},
	}
	if rate >= 0 {
		s.Cpu.UsageNanoCores = u64(uint64(rate))
	}
	return s
}

func statsNode(t *testing.T) *streamNode {
	n := newStreamNode(t)
	ts := testNow.UnixNano()
	n.RuntimeService.SetFakeContainerStats([]*runtimeapi.ContainerStats{
		cstat(ctrY, "postgres", 250_000_000, 9e9, ts, 64_000_000),
		cstat(ctrW, "nginx", 1_500_000_000, 3e9, ts, 12_500_000),
		cstat(ctrX, "sidecar", 0, 1e9, ts, 0),
	})
	return n
}

func TestStatsTableJoinsPodNamesWithConstantRPCs(t *testing.T) {
	n := statsNode(t)
	r := ctr(t, n.Endpoint, "cri", "stats").ok(t)
	golden(t, "stats.txt", r.stdout)
	if got := n.RuntimeCalls(); !reflect.DeepEqual(callCounts(got), map[string]int{"ListContainerStats": 1, "ListContainers": 1, "ListPodSandbox": 1}) {
		t.Errorf("stats made RPCs %v; want one ListContainerStats and the two lists for state and pod names", got)
	}
	r = ctr(t, n.Endpoint, "cri", "stats", "-a", "--pod", podA[:5]).ok(t)
	if !strings.Contains(r.stdout, "sidecar") || strings.Contains(r.stdout, "postgres") {
		t.Errorf("stats -a --pod: %q, want podA's containers including the exited one", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "stats", "-o", "json", "postgres").ok(t)
	var doc struct {
		Stats []struct {
			Attributes struct{ ID string } `json:"attributes"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Stats) != 1 || doc.Stats[0].Attributes.ID != ctrY {
		t.Errorf("stats -o json postgres: %v %s", err, r.stdout)
	}
}

func TestStatsRPCCountIsConstantInN(t *testing.T) {
	s := runtimetest.New(t)
	for _, n := range []int{1, 200} {
		var cs []runtimetest.Container
		var st []*runtimeapi.ContainerStats
		for i := range n {
			id := fmt.Sprintf("%064d", i)
			cs = append(cs, runtimetest.Container{ID: id, Name: fmt.Sprint("c", i), PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING})
			st = append(st, cstat(id, fmt.Sprint("c", i), 1e6, 1e9, 1, 1e6))
		}
		s.SetContainers(cs...)
		s.RuntimeService.SetFakeContainerStats(st)
		s.RuntimeCalls()
		r := ctr(t, s.Endpoint, "cri", "stats").ok(t)
		if rows := strings.Count(r.stdout, "\n") - 1; rows != n {
			t.Errorf("n=%d: %d rows", n, rows)
		}
		if got := s.RuntimeCalls(); len(got) != 3 {
			t.Errorf("n=%d: stats made RPCs %v, want 3", n, got)
		}
	}
}

func TestStatsMeasuresCPUFromTwoSamplesWithoutARate(t *testing.T) {
	n := newStreamNode(t)
	ts := testNow.UnixNano()
	n.RuntimeService.SetFakeContainerStats([]*runtimeapi.ContainerStats{cstat(ctrW, "nginx", -1, 1e9, ts, 1e6)})
	go func() {
		// Once the first sample is taken, the container burns half a core.
		for n.count("ListContainerStats") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		n.RuntimeService.SetFakeContainerStats([]*runtimeapi.ContainerStats{cstat(ctrW, "nginx", -1, 1.5e9, ts+1e9, 1e6)})
	}()
	r := ctr(t, n.Endpoint, "cri", "stats", "nginx").ok(t)
	if !strings.Contains(r.stdout, " 50.00 ") {
		t.Errorf("CPU %% from two samples: %q, want 50.00", r.stdout)
	}
	if got := n.count("ListContainerStats"); got != 2 {
		t.Errorf("%d ListContainerStats calls, want 2 (two samples)", got)
	}
}

func TestStatsWatchClearsTheScreenOnlyOnATerminal(t *testing.T) {
	n := statsNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "stats", "-w", "-s", "1")
	s.stdout.waitFor(t, "CONTAINER")
	time.Sleep(1200 * time.Millisecond)
	s.cancel()
	r := s.wait(t)
	if r.code != 0 || strings.Contains(r.stdout, "\x1b") || strings.Count(r.stdout, "CONTAINER") < 2 {
		t.Errorf("stats -w into a pipe: exit %d, stdout %q; want refreshed tables and no escape sequences", r.code, r.stdout)
	}

	s = startBg(t, n.Endpoint, sessionIO{}, "cri", "stats", "-w", "-o", "yaml")
	s.stdout.waitFor(t, "---\n")
	s.cancel()
	s.wait(t)

	master, slave := openPTY(t)
	out := &syncBuffer{}
	readScreen(out, master)
	s = startBg(t, n.Endpoint, sessionIO{stdout: slave}, "cri", "stats", "-w")
	out.waitFor(t, "\x1b[2J\x1b[H")
	s.cancel()
	s.wait(t)
}

func TestStatsBadInput(t *testing.T) {
	n := statsNode(t)
	for _, args := range [][]string{
		{"stats", "-o", "jsonpath={.x"}, {"stats", "-s", "0"}, {"stats", "--label", "app!"},
		{"statsp", "-o", "custom-columns=A"}, {"statsp", "-s", "-1"}, {"stats", "-o", "json", "--no-headers"},
	} {
		n.RuntimeCalls()
		ctr(t, n.Endpoint, append([]string{"cri"}, args...)...).fails(t, 2)
		if calls := n.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%v: RPCs %v before rejecting the command line", args, calls)
		}
	}
	ctr(t, n.Endpoint, "cri", "stats", "nosuch").fails(t, 1, `container "nosuch": not found`)
	ctr(t, n.Endpoint, "cri", "statsp", "nosuch").fails(t, 1, `pod "nosuch": not found`)
}

func podStat(id, name, ns string, rate int64, mem uint64) *runtimeapi.PodSandboxStats {
	cpu := &runtimeapi.CpuUsage{Timestamp: testNow.UnixNano(), UsageCoreNanoSeconds: u64(5e9)}
	if rate >= 0 {
		cpu.UsageNanoCores = u64(uint64(rate))
	}
	return &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: id, Metadata: &runtimeapi.PodSandboxMetadata{Name: name, Namespace: ns}},
		Linux:      &runtimeapi.LinuxPodSandboxStats{Cpu: cpu, Memory: &runtimeapi.MemoryUsage{WorkingSetBytes: u64(mem)}},
	}
}

func TestStatsp(t *testing.T) {
	n := newStreamNode(t)
	n.RuntimeService.SetFakePodSandboxStats([]*runtimeapi.PodSandboxStats{
		podStat(podB, "db", "data", 10_000_000, 80_000_000),
		podStat(podA, "web", "shop", 2_000_000_000, 30_000_000),
	})
	r := ctr(t, n.Endpoint, "cri", "statsp").ok(t)
	golden(t, "statsp.txt", r.stdout)
	if got := n.RuntimeCalls(); !reflect.DeepEqual(got, []string{"ListPodSandboxStats"}) {
		t.Errorf("statsp made RPCs %v, want one ListPodSandboxStats", got)
	}
	r = ctr(t, n.Endpoint, "cri", "statsp", "-o", "json", "shop/web").ok(t)
	if !strings.HasPrefix(r.stdout, "{\n  \"stats\": [") || !strings.Contains(r.stdout, podA) || strings.Contains(r.stdout, podB) {
		t.Errorf("statsp -o json shop/web: %s", r.stdout)
	}

	n.RuntimeService.InjectError("ListPodSandboxStats", fmt.Errorf(`sandbox %q has no cgroup parent`, podA))
	ctr(t, n.Endpoint, "cri", "statsp").fails(t, 1, "has no cgroup parent (pod stats need the pod config's linux.cgroup_parent")
}

func TestMetricspAndMetricdescs(t *testing.T) {
	n := newStreamNode(t)
	n.RuntimeService.SetFakePodSandboxMetrics([]*runtimeapi.PodSandboxMetrics{{PodSandboxId: podA, Metrics: []*runtimeapi.Metric{{Name: "container_cpu_usage_seconds_total", MetricType: runtimeapi.MetricType_COUNTER, Value: u64(7)}}}})
	n.RuntimeService.SetFakeMetricDescriptors([]*runtimeapi.MetricDescriptor{{Name: "container_cpu_usage_seconds_total", Help: "CPU time", LabelKeys: []string{"cpu"}}})
	r := ctr(t, n.Endpoint, "cri", "metricsp").ok(t)
	if !strings.HasPrefix(r.stdout, "{\n  \"podMetrics\": [") || !strings.Contains(r.stdout, podA) {
		t.Errorf("metricsp: %s", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "metricdescs", "-o", "yaml").ok(t)
	if !strings.HasPrefix(r.stdout, "descriptors:\n") || !strings.Contains(r.stdout, "help: CPU time") {
		t.Errorf("metricdescs -o yaml: %s", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "metricdescs", "-o", "table").ok(t)
	if !strings.Contains(r.stdout, "container_cpu_usage_seconds_total   cpu      CPU time") {
		t.Errorf("metricdescs -o table: %q", r.stdout)
	}

	ctr(t, n.Endpoint, "cri", "metricsp", "extra").fails(t, 2, "takes no arguments")
	ctr(t, n.Endpoint, "cri", "metricdescs", "-o", "wide").fails(t, 2, "unknown output format")
	n.RuntimeService.InjectError("ListPodSandboxMetrics", status.Error(codes.Unimplemented, "not implemented"))
	r = ctr(t, n.Endpoint, "cri", "metricsp").fails(t, 1, "list pod metrics: the runtime does not implement ListPodSandboxMetrics")
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one line, got %q", r.stderr)
	}
	n.RuntimeService.InjectError("ListMetricDescriptors", status.Error(codes.Unimplemented, "not implemented"))
	ctr(t, n.Endpoint, "cri", "metricdescs").fails(t, 1, "the runtime does not implement ListMetricDescriptors")
}

// A document is crictl's under both names: stats -o json and -o yaml list
// every container the runtime reports, exited and created ones without
// cpu and memory (null to jq), -a or not; only the table shows running containers alone
// (round-3 §3: a jq count of .stats[] differed).
func TestStatsDocumentListsEveryContainer(t *testing.T) {
	n := statsNode(t)
	ts := testNow.UnixNano()
	exited := &runtimeapi.ContainerStats{
		Attributes:    &runtimeapi.ContainerAttributes{Id: ctrX, Metadata: &runtimeapi.ContainerMetadata{Name: "sidecar"}},
		WritableLayer: &runtimeapi.FilesystemUsage{Timestamp: ts, UsedBytes: u64(4096), InodesUsed: u64(3)},
	}
	n.RuntimeService.SetFakeContainerStats([]*runtimeapi.ContainerStats{
		cstat(ctrY, "postgres", 250_000_000, 9e9, ts, 64_000_000),
		cstat(ctrW, "nginx", 1_500_000_000, 3e9, ts, 12_500_000),
		exited,
	})
	for _, run := range []func(args ...string) result{
		func(args ...string) result { return ctr(t, n.Endpoint, append([]string{"cri"}, args...)...) },
		func(args ...string) result { return crictlRun(t, n.Endpoint, args...) },
	} {
		var doc struct {
			Stats []map[string]any `json:"stats"`
		}
		r := run("stats", "-o", "json").ok(t)
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Stats) != 3 {
			t.Fatalf("stats -o json lists %d containers, want all 3:\n%s", len(doc.Stats), r.stdout)
		}
		var sidecar map[string]any
		for _, s := range doc.Stats {
			if s["attributes"].(map[string]any)["id"] == ctrX {
				sidecar = s
			}
		}
		// As crictl's (protojson with EmitDefaultValues): a message the
		// runtime leaves out is left out, which jq reads as null.
		if sidecar == nil || sidecar["cpu"] != nil || sidecar["memory"] != nil || sidecar["writableLayer"] == nil {
			t.Errorf("the exited container: %v, want no cpu and memory, its writable layer", sidecar)
		}
		r = run("stats", "-o", "yaml").ok(t)
		if got := strings.Count(r.stdout, "\n  attributes:") + strings.Count(r.stdout, "\n- attributes:"); got != 3 {
			t.Errorf("stats -o yaml lists %d containers, want 3:\n%s", got, r.stdout)
		}
		r = run("stats").ok(t)
		if strings.Contains(r.stdout, "sidecar") {
			t.Errorf("the table without -a shows the exited container:\n%s", r.stdout)
		}
		r = run("stats", "-a").ok(t)
		if !strings.Contains(r.stdout, "sidecar") {
			t.Errorf("the table with -a lacks the exited container:\n%s", r.stdout)
		}
	}
}
