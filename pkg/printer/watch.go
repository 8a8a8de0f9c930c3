package printer

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
)

// Watch prints a list, then what changed at each later listing, as kubectl
// get -w does: with a table (table, wide, custom-columns) one line per row
// that is new or whose cells changed, and the last line of a row that went
// away with its state "Removed"; with a document format the whole document
// again, only when it changed (JSON values one after another, YAML
// documents separated by "---").
type Watch struct {
	p *printer
	s *Stream

	t     *layout
	rows  map[string][]string // by ID, as last printed
	order []string            // IDs of rows, as last listed
	doc   []byte              // the document as last printed
}

// NewWatch is New for a list that is printed again as it changes.
func NewWatch(spec string, allowed []string, opts Options) (*Watch, error) {
	s, err := NewStream(spec, allowed, opts)
	if err != nil {
		return nil, err
	}
	pp, ok := s.p.(*printer)
	if !ok {
		return nil, &FormatError{Format: spec, Allowed: allowed}
	}
	return &Watch{p: pp, s: s}, nil
}

// Print prints the first listing whole, and later ones as changes.
func (w *Watch) Print(out io.Writer, r *Resource) error {
	if !Tabular(w.p.format) {
		doc, err := marshalCompact(r.Doc)
		if err != nil {
			return err
		}
		if w.doc != nil && bytes.Equal(doc, w.doc) {
			return nil
		}
		w.doc = doc
		return w.s.Print(out, r)
	}
	noTrunc := w.p.opts.NoTrunc
	if w.p.format == CustomColumns {
		var err error
		if r, err = w.p.customTable(r); err != nil {
			return err
		}
		noTrunc = true
	}
	var rows [][]string
	if err := walkRows(r, func(cells []string) { rows = append(rows, cells) }); err != nil {
		return err
	}
	ids := r.IDs
	if len(ids) != len(rows) {
		// Without IDs rows cannot be matched up: a row is its own key.
		ids = make([]string, len(rows))
		for i, row := range rows {
			ids[i] = strings.Join(row, "\x00")
		}
	}
	first := w.t == nil
	if first {
		w.t = newLayout(r.Columns, w.p.format == Wide, noTrunc, true)
	}
	var changed [][]string
	now := make(map[string][]string, len(rows))
	for i, row := range rows {
		now[ids[i]] = row
		if old, ok := w.rows[ids[i]]; first || !ok || !w.same(old, row) {
			changed = append(changed, row)
		}
	}
	for _, id := range w.order {
		if _, ok := now[id]; !ok {
			changed = append(changed, w.removed(w.rows[id]))
		}
	}
	w.rows, w.order = now, ids
	for _, row := range changed {
		w.t.measure(row)
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if first && !w.p.opts.NoHeaders {
		if err := w.t.writeHeader(bw); err != nil {
			return err
		}
	}
	for _, row := range changed {
		if err := w.t.writeRow(bw, row); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// same compares two rows, leaving out the cells that change with the clock.
func (w *Watch) same(a, b []string) bool {
	for i := range a {
		if i < len(w.t.cols) && w.t.cols[i].Live {
			continue
		}
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// removed is the last line of a row that went away.
func (w *Watch) removed(row []string) []string {
	row = slices.Clone(row)
	for i, c := range w.t.cols {
		if c.State {
			row[i] = "Removed"
		}
	}
	return row
}
