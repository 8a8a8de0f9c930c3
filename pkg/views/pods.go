package views

import (
	"strconv"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// PodState is crictl's word for a sandbox state.
func PodState(s runtimeapi.PodSandboxState) string {
	if s == runtimeapi.PodSandboxState_SANDBOX_READY {
		return "Ready"
	}
	return "NotReady"
}

func runtimeHandler(h string) string {
	if h == "" {
		return "(default)"
	}
	return h
}

// Pods is the pods result: crictl's {"items": [...]} document and table.
func Pods(pods []*runtime.Pod, now time.Time) *printer.Resource {
	ids := make([]string, len(pods))
	for i, p := range pods {
		ids[i] = p.Id
	}
	return &printer.Resource{
		Doc:      &runtimeapi.ListPodSandboxResponse{Items: pods},
		ItemsKey: "items",
		IDs:      ids,
		Columns: []printer.Column{
			{Header: "POD ID", ID: true, MinWidth: 13}, {Header: "CREATED", Live: true, MinWidth: len("Less than a second ago")},
			{Header: "STATE", State: true, MinWidth: 8}, {Header: "NAME", MinWidth: 12}, {Header: "NAMESPACE", MinWidth: 10}, {Header: "ATTEMPT"}, {Header: "RUNTIME"}, {Header: "UID", Wide: true},
		},
		Rows: func(emit func(...string)) {
			for _, p := range pods {
				m := p.GetMetadata()
				emit(p.Id, printer.Age(now, p.CreatedAt), PodState(p.State), m.GetName(), m.GetNamespace(),
					strconv.FormatUint(uint64(m.GetAttempt()), 10), runtimeHandler(p.RuntimeHandler), m.GetUid())
			}
		},
		Text: func(w *printer.TextWriter) error {
			for _, p := range pods {
				// crictl's pods -v lines: empty fields and attempt 0 left
				// out, Created as an absolute time.
				m := p.GetMetadata()
				w.Field("ID", p.Id)
				for _, f := range []struct{ k, v string }{{"Name", m.GetName()}, {"UID", m.GetUid()}, {"Namespace", m.GetNamespace()}} {
					if f.v != "" {
						w.Field(f.k, f.v)
					}
				}
				if a := m.GetAttempt(); a != 0 {
					w.Field("Attempt", a)
				}
				w.Field("Status", PodState(p.State))
				w.Field("Created", time.Unix(0, p.CreatedAt).String())
				w.Map("Labels", p.Labels)
				w.Map("Annotations", p.Annotations)
				w.Field("Runtime", runtimeHandler(p.RuntimeHandler))
				w.Printf("\n")
			}
			return nil
		},
	}
}
