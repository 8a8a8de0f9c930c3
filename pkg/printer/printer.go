// Package printer renders results of pkg/runtime as tables, JSON, YAML,
// go-templates, JSONPath or custom columns. Commands never format: they pick
// a Printer from -o and hand it a Resource.
package printer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Format names accepted by -o.
const (
	Table         = "table"
	Wide          = "wide"
	JSON          = "json"
	YAML          = "yaml"
	GoTemplate    = "go-template"
	JSONPath      = "jsonpath"
	CustomColumns = "custom-columns"
)

// Format sets for commands.
var (
	ListFormats    = []string{Table, Wide, JSON, YAML, GoTemplate, JSONPath, CustomColumns}
	ObjectFormats  = []string{JSON, YAML, GoTemplate, Table}
	DocFormats     = []string{JSON, YAML, GoTemplate}
	VersionFormats = []string{Table, JSON, YAML, GoTemplate}
)

// Column is one table column. Values are given raw; the printer escapes,
// truncates and hides wide columns.
type Column struct {
	Header string
	Wide   bool // only with -o wide
	ID     bool // truncated to 13 characters unless --no-trunc
	// Blank prints an empty value as nothing instead of <none>, where
	// crictl leaves the cell empty (config --list).
	Blank bool
}

// Resource is what a command hands to a printer.
type Resource struct {
	// Doc is what json, yaml, go-template and jsonpath see: a proto.Message
	// (crictl's protojson shape) or a value for encoding/json.
	Doc any
	// ItemsKey names the array in Doc that custom-columns iterates.
	ItemsKey string
	// Columns and Rows make the table; Rows emits one row of raw cells, one
	// per column (wide ones included). It may be called more than once and
	// must emit the same rows each time.
	Columns []Column
	Rows    func(emit func(cells ...string))
	// IDs are printed by -q.
	IDs []string
	// Text is the human rendering for table output of non-list results and
	// for -v; it receives an escaping writer helper.
	Text func(w *TextWriter) error
}

// Options are the flags that shape output beside -o.
type Options struct {
	NoTrunc  bool
	Quiet    bool
	Verbose  bool
	Template string // --template, used with -o go-template
}

// Printer renders a Resource.
type Printer interface {
	Print(w io.Writer, r *Resource) error
}

// FormatError is a bad -o value; the CLI maps it to a usage error.
type FormatError struct {
	Format  string
	Allowed []string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("unknown output format %q: use one of %s", e.Format, strings.Join(e.Allowed, ", "))
}

// New returns the printer for an -o value. allowed lists the formats the
// command supports; anything else is a *FormatError, returned before any RPC.
func New(spec string, allowed []string, opts Options) (Printer, error) {
	name, arg, _ := strings.Cut(spec, "=")
	if !slices.Contains(allowed, name) {
		return nil, &FormatError{Format: spec, Allowed: allowed}
	}
	p := &printer{format: name, arg: arg, opts: opts}
	switch name {
	case GoTemplate:
		if p.arg == "" {
			p.arg = opts.Template
		}
		if p.arg == "" {
			return nil, &FormatError{Format: spec, Allowed: []string{"go-template=TEMPLATE", "-o go-template --template TEMPLATE"}}
		}
		t, err := parseTemplate(p.arg)
		if err != nil {
			return nil, err
		}
		p.tmpl = t
	case JSONPath:
		j, err := parseJSONPath(arg)
		if err != nil {
			return nil, err
		}
		p.jp = j
	case CustomColumns:
		cols, err := parseCustomColumns(arg)
		if err != nil {
			return nil, err
		}
		p.cols = cols
	default:
		if arg != "" {
			return nil, &FormatError{Format: spec, Allowed: allowed}
		}
	}
	return p, nil
}

type printer struct {
	format, arg string
	opts        Options
	tmpl        templateExec
	jp          jsonPathExec
	cols        []customColumn
}

func (p *printer) Print(out io.Writer, r *Resource) error {
	w := bufio.NewWriterSize(out, 64<<10)
	if err := p.print(w, r); err != nil {
		w.Flush()
		return err
	}
	return w.Flush()
}

func (p *printer) print(w *bufio.Writer, r *Resource) error {
	// -q replaces the table only: with -o json|yaml|… the document wins, as
	// in crictl.
	if p.opts.Quiet && r.IDs != nil && (p.format == Table || p.format == Wide) {
		for _, id := range r.IDs {
			w.WriteString(Escape(id))
			w.WriteByte('\n')
		}
		return nil
	}
	switch p.format {
	case JSON:
		return writeJSON(w, r.Doc)
	case YAML:
		b, err := MarshalYAML(r.Doc)
		if err != nil {
			return err
		}
		w.Write(b)
		// crictl prints its YAML with Println: a blank line ends every
		// document, and byte-for-byte equal output keeps diffs quiet.
		return w.WriteByte('\n')
	case GoTemplate:
		return p.tmpl(w, r.Doc)
	case JSONPath:
		return p.jp(w, r.Doc)
	case CustomColumns:
		return p.customColumns(w, r)
	}
	if r.Text != nil && (p.opts.Verbose || r.Rows == nil) {
		tw := &TextWriter{w: w}
		if err := r.Text(tw); err != nil {
			return err
		}
		return tw.err
	}
	if r.Rows == nil {
		b, err := MarshalJSON(r.Doc)
		if err != nil {
			return err
		}
		w.Write(b)
		return w.WriteByte('\n')
	}
	return renderTable(w, r, p.format == Wide, p.opts.NoTrunc)
}

// MarshalJSON renders a document with 2-space indent and deterministic
// bytes: protojson (crictl's shape, defaults emitted) re-indented through
// encoding/json, since protojson randomises whitespace on purpose.
func MarshalJSON(doc any) ([]byte, error) {
	raw, err := marshalCompact(doc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) + len(raw)/2)
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var protoJSON = protojson.MarshalOptions{EmitDefaultValues: true}

func marshalCompact(doc any) ([]byte, error) {
	if l, ok := doc.(*WireList); ok {
		return compactWireJSON(l)
	}
	if m, ok := doc.(proto.Message); ok {
		raw, err := protoJSON.Marshal(m)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return json.Marshal(doc)
}

// ProtoRaw wraps a message so that it can sit inside a plain Go document
// (inspect's {"status": …, "info": …}) and still marshal as protojson.
type ProtoRaw struct{ proto.Message }

// MarshalJSON implements json.Marshaler.
func (p ProtoRaw) MarshalJSON() ([]byte, error) { return protoJSON.Marshal(p.Message) }

// decode turns a document into the generic value templates and JSONPath see.
func decode(doc any) (any, error) {
	raw, err := marshalCompact(doc)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
