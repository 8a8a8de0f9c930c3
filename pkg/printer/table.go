package printer

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// renderTable writes a borderless, crictl-like table: columns separated by
// at least three spaces, the last one unpadded. Rows is walked twice, once
// to measure and once to write, so no cell is kept: at 10,000 rows this is
// what holds memory flat. text/tabwriter is already linked (free in size),
// but it buffers every cell: a 10,000-row ps table through it took 55 ms and
// 10 MB of allocations on the 2-core CI machine (2026-12), a third of the
// time budget of make bench's 10k ps row.
func renderTable(w io.Writer, r *Resource, wide, noTrunc, noHeaders bool) error {
	t := newLayout(r.Columns, wide, noTrunc, false)
	if err := walkRows(r, t.measure); err != nil {
		return err
	}
	if !noHeaders {
		if err := t.writeHeader(w); err != nil {
			return err
		}
	}
	var werr error
	r.Rows(func(cells ...string) {
		if werr == nil {
			werr = t.writeRow(w, cells)
		}
	})
	return werr
}

// walkRows calls fn for every row, checking that each row has one cell per
// column.
func walkRows(r *Resource, fn func(cells []string)) error {
	var err error
	r.Rows(func(cells ...string) {
		if err == nil && len(cells) != len(r.Columns) {
			err = fmt.Errorf("internal: row has %d cells for %d columns", len(cells), len(r.Columns))
		}
		if err == nil {
			fn(cells)
		}
	})
	return err
}

// layout is a table's shape: the columns shown and their widths so far.
// Widths only grow, so a stream of rows (events, -w) stays aligned until a
// longer cell arrives.
type layout struct {
	cols    []Column
	keep    []int // indexes of the columns shown
	widths  []int
	noTrunc bool
	line    []byte
}

// newLayout starts a table's shape; a stream (rows measured as they come)
// starts each column at its MinWidth, a whole table at its header.
func newLayout(cols []Column, wide, noTrunc, stream bool) *layout {
	t := &layout{cols: cols, noTrunc: noTrunc}
	for i, c := range cols {
		if !c.Wide || wide {
			t.keep = append(t.keep, i)
		}
	}
	t.widths = make([]int, len(t.keep))
	for n, i := range t.keep {
		t.widths[n] = utf8.RuneCountInString(cols[i].Header)
		if stream {
			t.widths[n] = max(t.widths[n], cols[i].MinWidth)
		}
	}
	return t
}

// cell is the printed form of a raw cell: truncated, <none> when empty,
// escaped.
func (t *layout) cell(cells []string, i int) string {
	v := cells[i]
	if t.cols[i].ID && !t.noTrunc {
		v = TruncID(v)
	}
	if v == "" && !t.cols[i].Blank {
		return "<none>"
	}
	return Escape(v)
}

func (t *layout) measure(cells []string) {
	for n, i := range t.keep {
		t.widths[n] = max(t.widths[n], utf8.RuneCountInString(t.cell(cells, i)))
	}
}

func (t *layout) writeHeader(w io.Writer) error {
	return t.writeLine(w, func(n int) string { return t.cols[t.keep[n]].Header })
}

func (t *layout) writeRow(w io.Writer, cells []string) error {
	if len(cells) != len(t.cols) {
		return fmt.Errorf("internal: row has %d cells for %d columns", len(cells), len(t.cols))
	}
	return t.writeLine(w, func(n int) string { return t.cell(cells, t.keep[n]) })
}

func (t *layout) writeLine(w io.Writer, value func(n int) string) error {
	t.line = t.line[:0]
	for n := range t.keep {
		v := value(n)
		t.line = append(t.line, v...)
		if n < len(t.keep)-1 {
			for pad := t.widths[n] - utf8.RuneCountInString(v) + 3; pad > 0; pad-- {
				t.line = append(t.line, ' ')
			}
		}
	}
	t.line = append(t.line, '\n')
	_, err := w.Write(t.line)
	return err
}

// TextWriter writes human key/value text, escaping runtime-supplied values.
type TextWriter struct {
	w   io.Writer
	err error
	// Wide is set for -o wide: the text may add what the table leaves out.
	Wide bool
}

// Field writes "key: value" with the value escaped.
func (t *TextWriter) Field(key string, value any) {
	t.Printf("%s: %s\n", key, Escape(fmt.Sprint(value)))
}

// Map writes a sorted "key -> value" block under a heading when m is non-empty.
func (t *TextWriter) Map(heading string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	t.Printf("%s:\n", heading)
	for _, k := range sortedKeys(m) {
		t.Printf("\t%s -> %s\n", Escape(k), Escape(m[k]))
	}
}

// Printf writes a formatted line; callers escape runtime values themselves.
func (t *TextWriter) Printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// TextTable writes a table inside a text rendering: the cells of each item
// escaped, in columns aligned by text/tabwriter, indented by two.
func TextTable[T any](w *TextWriter, items []T, cells func(T) []string) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, it := range items {
		cs := cells(it)
		for i := range cs {
			cs[i] = Escape(cs[i])
		}
		fmt.Fprintf(tw, "  %s\n", strings.Join(cs, "\t"))
	}
	tw.Flush()
	for l := range strings.Lines(b.String()) {
		w.Printf("%s\n", strings.TrimRight(l, " \n"))
	}
}
