package printer

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// renderTable writes a borderless, crictl-like table: columns separated by
// at least three spaces, the last one unpadded. Rows is walked twice, once
// to measure and once to write, so no cell is kept: at 10,000 rows this is
// what holds memory flat. text/tabwriter is already linked (free in size),
// but it buffers every cell: a 10,000-row ps table through it took 55 ms and
// 10 MB of allocations on the 2-core CI machine (2026-12), a third of the
// time budget of make bench's 10k ps row.
func renderTable(w io.Writer, r *Resource, wide, noTrunc bool) error {
	keep := make([]int, 0, len(r.Columns))
	for i, c := range r.Columns {
		if !c.Wide || wide {
			keep = append(keep, i)
		}
	}
	widths := make([]int, len(keep))
	for n, i := range keep {
		widths[n] = utf8.RuneCountInString(r.Columns[i].Header)
	}
	cell := func(cells []string, i int) string {
		v := cells[i]
		if r.Columns[i].ID && !noTrunc {
			v = TruncID(v)
		}
		if v == "" && !r.Columns[i].Blank {
			return "<none>"
		}
		return Escape(v)
	}
	var werr error
	r.Rows(func(cells ...string) {
		if werr == nil && len(cells) != len(r.Columns) {
			werr = fmt.Errorf("internal: row has %d cells for %d columns", len(cells), len(r.Columns))
		}
		if werr != nil {
			return
		}
		for n, i := range keep {
			widths[n] = max(widths[n], utf8.RuneCountInString(cell(cells, i)))
		}
	})
	if werr != nil {
		return werr
	}
	line := make([]byte, 0, 256)
	writeLine := func(value func(n int) string) {
		line = line[:0]
		for n := range keep {
			v := value(n)
			line = append(line, v...)
			if n < len(keep)-1 {
				for pad := widths[n] - utf8.RuneCountInString(v) + 3; pad > 0; pad-- {
					line = append(line, ' ')
				}
			}
		}
		line = append(line, '\n')
		if werr == nil {
			_, werr = w.Write(line)
		}
	}
	writeLine(func(n int) string { return r.Columns[keep[n]].Header })
	r.Rows(func(cells ...string) {
		writeLine(func(n int) string { return cell(cells, keep[n]) })
	})
	return werr
}

// TextWriter writes human key/value text, escaping runtime-supplied values.
type TextWriter struct {
	w   io.Writer
	err error
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
