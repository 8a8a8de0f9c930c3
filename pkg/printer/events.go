package printer

import (
	"io"
	"strconv"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// eventColumns are events -o table|wide: one line per event, like ctr
// events and kubectl get events -w. Widths are fixed where the values are
// (time, type, IDs), so lines stay aligned as they arrive.
var eventColumns = []Column{
	{Header: "TIME", MinWidth: len(time.RFC3339)}, {Header: "TYPE", MinWidth: len("deleted")},
	{Header: "CONTAINER", ID: true, MinWidth: 13}, {Header: "NAME", MinWidth: 12}, {Header: "ATTEMPT"},
	{Header: "POD", MinWidth: 12}, {Header: "NAMESPACE", MinWidth: 10},
	{Header: "POD ID", ID: true, Wide: true, MinWidth: 13}, {Header: "STATE", Wide: true, MinWidth: len("Created")},
	{Header: "EXIT", Wide: true}, {Header: "IMAGE", Wide: true},
}

// eventType is the --type word of an event.
func eventType(t runtimeapi.ContainerEventType) string {
	s := strings.TrimPrefix(strings.TrimSuffix(t.String(), "_EVENT"), "CONTAINER_")
	return strings.ToLower(s)
}

// Event is one container event: crictl's document, and one table row. The
// runtime sends the pod's own events with the pod's ID as the container ID;
// their NAME reads "(sandbox)".
func Event(ev *runtimeapi.ContainerEventResponse) *Resource {
	return &Resource{Doc: ev, IDs: []string{ev.ContainerId}, Columns: eventColumns,
		Rows: func(emit func(...string)) {
			pod := ev.GetPodSandboxStatus()
			var st *runtimeapi.ContainerStatus
			for _, cs := range ev.ContainersStatuses {
				if cs.GetId() == ev.ContainerId {
					st = cs
				}
			}
			name, attempt, state, exit, image := "", "", "", "", ""
			switch {
			case st != nil:
				name = st.GetMetadata().GetName()
				attempt = strconv.FormatUint(uint64(st.GetMetadata().GetAttempt()), 10)
				state = ContainerState(st.GetState())
				if st.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
					exit = strconv.FormatInt(int64(st.GetExitCode()), 10)
				}
				image = st.GetImage().GetImage()
			case ev.ContainerId != "" && ev.ContainerId == pod.GetId():
				name = "(sandbox)"
				attempt = strconv.FormatUint(uint64(pod.GetMetadata().GetAttempt()), 10)
				state = PodState(pod.GetState())
			}
			emit(EventTime(ev.CreatedAt), eventType(ev.ContainerEventType), ev.ContainerId, name, attempt,
				pod.GetMetadata().GetName(), pod.GetMetadata().GetNamespace(), pod.GetId(), state, exit, image)
		}}
}

// EventTime is the TIME of an event row: local time to the second.
func EventTime(unixNano int64) string {
	if unixNano == 0 {
		return ""
	}
	return time.Unix(0, unixNano).Format(time.RFC3339)
}

// Stream prints a sequence of results (events, stats -w refreshes) as a
// stream a parser can split: JSON values one after another, YAML documents
// separated by "---". In line mode (NewLineStream) a table is one header
// and then one line per result.
type Stream struct {
	p     Printer
	yaml  bool
	count int
	lines *lineTable
}

// NewStream is New for a sequence of results, each printed whole.
func NewStream(spec string, allowed []string, opts Options) (*Stream, error) {
	p, err := New(spec, allowed, opts)
	if err != nil {
		return nil, err
	}
	name, _, _ := strings.Cut(spec, "=")
	return &Stream{p: p, yaml: name == YAML}, nil
}

// NewLineStream is NewStream for results of one row each (events): with
// table, wide or custom-columns the header is printed once and every result
// adds its line.
func NewLineStream(spec string, allowed []string, opts Options) (*Stream, error) {
	s, err := NewStream(spec, allowed, opts)
	if err != nil {
		return nil, err
	}
	if pp, ok := s.p.(*printer); ok && Tabular(pp.format) {
		s.lines = &lineTable{p: pp}
	}
	return s, nil
}

// Print prints the next result.
func (s *Stream) Print(w io.Writer, r *Resource) error {
	if s.lines != nil {
		return s.lines.print(w, r)
	}
	if s.yaml && s.count > 0 {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	s.count++
	return s.p.Print(w, r)
}

// lineTable prints the rows of each result under one header.
type lineTable struct {
	p *printer
	t *layout
}

func (l *lineTable) print(w io.Writer, r *Resource) error {
	noTrunc := l.p.opts.NoTrunc
	if l.p.format == CustomColumns {
		var err error
		if r, err = l.p.customTable(r); err != nil {
			return err
		}
		noTrunc = true
	}
	header := l.t == nil
	if header {
		l.t = newLayout(r.Columns, l.p.format == Wide, noTrunc, true)
	}
	var rows [][]string
	if err := walkRows(r, func(cells []string) {
		l.t.measure(cells)
		rows = append(rows, cells)
	}); err != nil {
		return err
	}
	if header && !l.p.opts.NoHeaders {
		if err := l.t.writeHeader(w); err != nil {
			return err
		}
	}
	for _, cells := range rows {
		if err := l.t.writeRow(w, cells); err != nil {
			return err
		}
	}
	return nil
}
