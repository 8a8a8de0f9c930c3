package printer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
	"unicode"
)

type templateExec func(w io.Writer, doc any) error

var templateFuncs = template.FuncMap{
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
	t, err := template.New("output").Funcs(templateFuncs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, &TemplateError{Format: GoTemplate, Err: err}
	}
	return func(w io.Writer, doc any) error {
		v, err := decode(doc)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, v); err != nil {
			return fmt.Errorf("execute go-template: %w", err)
		}
		if buf.Len() > 0 && buf.Bytes()[buf.Len()-1] != '\n' {
			buf.WriteByte('\n')
		}
		_, err = w.Write(buf.Bytes())
		return err
	}, nil
}
