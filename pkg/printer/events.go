package printer

import (
	"io"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Event is one container event in crictl's shape.
func Event(ev *runtimeapi.ContainerEventResponse) *Resource {
	return &Resource{Doc: ev}
}

// Stream prints a sequence of results (events, stats -w refreshes) as a
// stream a parser can split: JSON values one after another, YAML documents
// separated by "---".
type Stream struct {
	p     Printer
	yaml  bool
	count int
}

// NewStream is New for a sequence of results.
func NewStream(spec string, allowed []string, opts Options) (*Stream, error) {
	p, err := New(spec, allowed, opts)
	if err != nil {
		return nil, err
	}
	name, _, _ := strings.Cut(spec, "=")
	return &Stream{p: p, yaml: name == YAML}, nil
}

// Print prints the next result.
func (s *Stream) Print(w io.Writer, r *Resource) error {
	if s.yaml && s.count > 0 {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	s.count++
	return s.p.Print(w, r)
}
