package views

import (
	"strconv"

	units "github.com/docker/go-units"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// statSize is crictl's size in stats tables: four significant digits
// (536.6kB), where images and inspecti use three.
func statSize(n uint64) string { return units.HumanSize(float64(n)) }

// cpuCell is CPU % with two decimals, "-" when no rate could be computed
// (one sample of a runtime that reports no rate, or a container that just
// appeared).
func cpuCell(pct float64, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(pct, 'f', 2, 64)
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// CPUFunc returns the CPU % of the object with the given ID, ok false if
// unknown.
type CPUFunc func(id string) (pct float64, ok bool)

// ContainerStats is stats' result: crictl's {"stats": [...]} document of
// doc (as crictl's, every container the runtime reports, whatever -a says)
// and the table of l, with the pod's name joined from the sandbox list.
func ContainerStats(doc, l *runtime.ContainerStatsList, cpu CPUFunc) *printer.Resource {
	ids := make([]string, len(l.Items))
	for i := range l.Items {
		ids[i] = l.Items[i].GetAttributes().GetId()
	}
	return &printer.Resource{
		Doc:      &runtimeapi.ListContainerStatsResponse{Stats: doc.Raw()},
		ItemsKey: "stats",
		IDs:      ids,
		Columns: []printer.Column{
			{Header: "CONTAINER", ID: true}, {Header: "NAME"}, {Header: "CPU %"}, {Header: "MEM"},
			{Header: "DISK"}, {Header: "INODES"}, {Header: "SWAP"}, {Header: "POD", Wide: true},
		},
		Rows: func(emit func(...string)) {
			for i := range l.Items {
				s := &l.Items[i]
				id := s.GetAttributes().GetId()
				pct, ok := cpu(id)
				if s.GetCpu().GetUsageCoreNanoSeconds().GetValue() == 0 {
					pct, ok = 0, true // not running: crictl shows 0.00
				}
				emit(id, s.GetAttributes().GetMetadata().GetName(), cpuCell(pct, ok),
					statSize(s.GetMemory().GetWorkingSetBytes().GetValue()),
					statSize(s.GetWritableLayer().GetUsedBytes().GetValue()),
					itoa(s.GetWritableLayer().GetInodesUsed().GetValue()),
					statSize(s.GetSwap().GetSwapUsageBytes().GetValue()),
					s.PodName)
			}
		},
	}
}

// PodStats is statsp's result: crictl's {"stats": [...]} document and table.
func PodStats(stats []*runtimeapi.PodSandboxStats, cpu CPUFunc) *printer.Resource {
	ids := make([]string, len(stats))
	for i, s := range stats {
		ids[i] = s.GetAttributes().GetId()
	}
	return &printer.Resource{
		Doc:      &runtimeapi.ListPodSandboxStatsResponse{Stats: stats},
		ItemsKey: "stats",
		IDs:      ids,
		Columns:  []printer.Column{{Header: "POD"}, {Header: "POD ID", ID: true}, {Header: "CPU %"}, {Header: "MEM"}, {Header: "NAMESPACE", Wide: true}},
		Rows: func(emit func(...string)) {
			for _, s := range stats {
				id := s.GetAttributes().GetId()
				pct, ok := cpu(id)
				m := s.GetAttributes().GetMetadata()
				emit(m.GetName(), id, cpuCell(pct, ok), statSize(runtime.PodMemory(s)), m.GetNamespace())
			}
		},
	}
}

// PodMetrics is metricsp's result: crictl's {"podMetrics": [...]}.
func PodMetrics(m *runtimeapi.ListPodSandboxMetricsResponse) *printer.Resource {
	return &printer.Resource{Doc: m, ItemsKey: "podMetrics"}
}

// MetricDescriptors is metricdescs' result: crictl's {"descriptors": [...]}
// and a table of names, help and label keys.
func MetricDescriptors(m *runtimeapi.ListMetricDescriptorsResponse) *printer.Resource {
	return &printer.Resource{
		Doc:      m,
		ItemsKey: "descriptors",
		Columns:  []printer.Column{{Header: "NAME"}, {Header: "LABELS"}, {Header: "HELP"}},
		Rows: func(emit func(...string)) {
			for _, d := range m.Descriptors {
				labels := ""
				for i, k := range d.LabelKeys {
					if i > 0 {
						labels += ","
					}
					labels += k
				}
				emit(d.Name, labels, d.Help)
			}
		},
	}
}
