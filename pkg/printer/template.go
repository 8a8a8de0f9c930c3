package printer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
	"unicode"
)

type templateExec func(w io.Writer, doc any) error

// templateFuncs is a function rather than a package-level map: every
// package init in the binary runs on every ctr command, --version too,
// and maps in the pages around it (cmd/ctr's TestNoPackageInitInThisModule).
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"title": func(s string) string {
			prev := ' '
			return strings.Map(func(r rune) rune {
				defer func() { prev = r }()
				if unicode.IsSpace(prev) {
					return unicode.ToTitle(r)
				}
				return r
			}, s)
		},
	}
}

// TemplateError is an -o template, JSONPath or column spec that does not
// parse; a usage error.
type TemplateError struct {
	Format string
	Err    error
}

func (e *TemplateError) Error() string { return "invalid -o " + e.Format + ": " + e.Err.Error() }
func (e *TemplateError) Unwrap() error { return e.Err }

func parseTemplate(text string) (templateExec, error) {
	// missingkey=error as crictl: a typo or a moved key fails (exit 1)
	// instead of printing "<no value>" that a script would take for data.
	t, err := template.New("output").Funcs(templateFuncs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, &TemplateError{Format: GoTemplate, Err: err}
	}
	return func(w io.Writer, doc any) error {
		v, err := decode(doc)
		if err != nil {
			return err
		}
		// Streamed through a bounded buffer: a template's output can be
		// unbounded ({{range}} over a large number), and a reader that
		// stops (| head) must stop it, not watch memory grow.
		tw := &lastByteWriter{w: bufio.NewWriterSize(w, 32<<10)}
		if err := t.Execute(tw, v); err != nil {
			return fmt.Errorf("execute go-template: %w", err)
		}
		if tw.n > 0 && tw.last != '\n' {
			if _, err := tw.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
		return tw.w.Flush()
	}, nil
}

// lastByteWriter remembers the last byte written, so that the output can
// end with a newline without being held in memory.
type lastByteWriter struct {
	w    *bufio.Writer
	n    int64
	last byte
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.n += int64(n)
		l.last = p[n-1]
	}
	return n, err
}
