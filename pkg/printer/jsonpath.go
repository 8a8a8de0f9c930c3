package printer

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/util/jsonpath"
)

type jsonPathExec func(w io.Writer, doc any) error

// relaxed accepts kubectl's forms: "{.a.b}", ".a.b" and "a.b".
func relaxed(expr string) string {
	if strings.Contains(expr, "{") {
		return expr
	}
	if !strings.HasPrefix(expr, ".") {
		expr = "." + expr
	}
	return "{" + expr + "}"
}

func compileJSONPath(expr string) (*jsonpath.JSONPath, error) {
	j := jsonpath.New("output").AllowMissingKeys(true)
	if err := j.Parse(relaxed(expr)); err != nil {
		return nil, &TemplateError{Format: JSONPath, Err: fmt.Errorf("%q: %v", expr, err)}
	}
	return j, nil
}

func parseJSONPath(expr string) (jsonPathExec, error) {
	if expr == "" {
		return nil, &TemplateError{Format: JSONPath, Err: fmt.Errorf("jsonpath needs an expression: -o jsonpath='{.items[*].id}'")}
	}
	j, err := compileJSONPath(expr)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer, doc any) error {
		v, err := decode(doc)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := j.Execute(&buf, v); err != nil {
			return fmt.Errorf("execute jsonpath: %w", err)
		}
		buf.WriteByte('\n')
		_, err = w.Write(buf.Bytes())
		return err
	}, nil
}

type customColumn struct {
	header string
	path   *jsonpath.JSONPath
}

func parseCustomColumns(spec string) ([]customColumn, error) {
	if spec == "" {
		return nil, &TemplateError{Format: CustomColumns, Err: fmt.Errorf("custom-columns needs HEADER:EXPR,... e.g. -o custom-columns=ID:.id,NAME:.metadata.name")}
	}
	var cols []customColumn
	for _, part := range strings.Split(spec, ",") {
		h, expr, ok := strings.Cut(part, ":")
		if !ok || h == "" || expr == "" {
			return nil, &TemplateError{Format: CustomColumns, Err: fmt.Errorf("custom-columns: %q is not HEADER:EXPR", part)}
		}
		j, err := compileJSONPath(expr)
		if err != nil {
			return nil, err
		}
		cols = append(cols, customColumn{header: h, path: j})
	}
	return cols, nil
}

func (p *printer) customColumns(w io.Writer, r *Resource) error {
	t, err := p.customTable(r)
	if err != nil {
		return err
	}
	return renderTable(w, t, false, true, p.opts.NoHeaders)
}

// customTable evaluates the columns over the document's items: the list at
// ItemsKey, the elements of a top-level array, or the document itself. The
// result keeps r's IDs, which name the same items in the same order.
func (p *printer) customTable(r *Resource) (*Resource, error) {
	v, err := decode(r.Doc)
	if err != nil {
		return nil, err
	}
	items := docItems(v, r.ItemsKey)
	cols := make([]Column, len(p.cols))
	for i, c := range p.cols {
		cols[i] = Column{Header: c.header}
	}
	rows := make([][]string, len(items))
	var buf bytes.Buffer
	for n, it := range items {
		rows[n] = make([]string, len(p.cols))
		for i, c := range p.cols {
			buf.Reset()
			if err := c.path.Execute(&buf, it); err != nil {
				return nil, fmt.Errorf("custom-columns %s: %w", c.header, err)
			}
			rows[n][i] = buf.String()
		}
	}
	ids := r.IDs
	if len(ids) != len(rows) {
		ids = nil
	}
	return &Resource{Columns: cols, IDs: ids, Rows: func(emit func(...string)) {
		for _, row := range rows {
			emit(row...)
		}
	}}, nil
}

// docItems is what custom-columns iterates in a decoded document.
func docItems(v any, key string) []any {
	if m, ok := v.(map[string]any); ok && key != "" {
		items, _ := m[key].([]any)
		return items
	}
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}
