package printer

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// renderTable writes a borderless, crictl-like table. text/tabwriter is used
// rather than a table library: at 10,000 rows it is ~20x faster and ~10x
// leaner, and it adds nothing to process start-up (see make bench).
func renderTable(w io.Writer, r *Resource, wide, noTrunc bool) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	keep := make([]int, 0, len(r.Columns))
	for i, c := range r.Columns {
		if !c.Wide || wide {
			keep = append(keep, i)
		}
	}
	line := make([]byte, 0, 256)
	for n, i := range keep {
		if n > 0 {
			line = append(line, '\t')
		}
		line = append(line, r.Columns[i].Header...)
	}
	line = append(line, '\n')
	if _, err := tw.Write(line); err != nil {
		return err
	}
	var werr error
	r.Rows(func(cells ...string) {
		if werr != nil {
			return
		}
		if len(cells) != len(r.Columns) {
			werr = fmt.Errorf("internal: row has %d cells for %d columns", len(cells), len(r.Columns))
			return
		}
		line = line[:0]
		for n, i := range keep {
			if n > 0 {
				line = append(line, '\t')
			}
			v := cells[i]
			if r.Columns[i].ID && !noTrunc {
				v = TruncID(v)
			}
			if v == "" {
				v = "<none>"
			}
			line = append(line, Escape(v)...)
		}
		line = append(line, '\n')
		_, werr = tw.Write(line)
	})
	if werr != nil {
		return werr
	}
	return tw.Flush()
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
