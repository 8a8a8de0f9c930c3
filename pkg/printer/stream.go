package printer

import (
	"io"
	"strings"
)

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
