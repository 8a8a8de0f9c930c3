// Package printer is the printing engine: it renders a Resource (columns,
// rows and a document) as a table, JSON, YAML, a go-template, JSONPath or
// custom columns, and escapes what it prints against terminal injection.
// Commands never format: they pick a Printer from -o and hand it what a
// view of pkg/views built. Like cli-runtime's printers it knows no domain
// type: it imports no package of this module.
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

// Format sets: the -o values a command accepts, in the order its help lists
// them. A command's -o flag carries its set, and the same set validates the
// value, so help, completion and printer cannot disagree.
var (
	// ListFormats: everything that prints objects (ps, pods, images, inspect*,
	// stats, statsp, events, orphans).
	ListFormats = []string{Table, Wide, JSON, YAML, GoTemplate, JSONPath, CustomColumns}
	// ObjectFormats: inspect, inspectp, inspecti (custom-columns iterates the
	// targets).
	ObjectFormats = ListFormats
	// DocFormats: one document with no table and no list (info).
	DocFormats = []string{JSON, YAML, GoTemplate, JSONPath}
	// VersionFormats: one document with a text rendering (version,
	// runtime-config, imagefsinfo).
	VersionFormats = []string{Table, JSON, YAML, GoTemplate, JSONPath}
)

// FormatArg is how help writes a format that takes an argument.
func FormatArg(format string) string {
	switch format {
	case GoTemplate:
		return "go-template=TEMPLATE"
	case JSONPath:
		return "jsonpath=EXPR"
	case CustomColumns:
		return "custom-columns=HEADER:EXPR,..."
	}
	return format
}

// Tabular reports whether a format prints a table, the formats where
// --no-headers means something.
func Tabular(format string) bool {
	name, _, _ := strings.Cut(format, "=")
	return name == Table || name == Wide || name == CustomColumns
}

// Column is one table column. Values are given raw; the printer escapes,
// truncates and hides wide columns.
type Column struct {
	Header string
	Wide   bool // only with -o wide
	ID     bool // truncated to 13 characters unless --no-trunc
	// Blank prints an empty value as nothing instead of <none>, where
	// crictl leaves the cell empty (config --list).
	Blank bool
	// MinWidth keeps a column at least this wide in a stream of rows
	// (events, -w), which is measured one row at a time; a whole table
	// ignores it.
	MinWidth int
	// Live marks a cell that changes with the clock alone (CREATED ages):
	// a watch does not report such a change.
	Live bool
	// State marks the state column, where a watch shows a row that went
	// away as "Removed".
	State bool
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
	// IDs are printed by -q; a watch (-w) tells rows apart by them, so
	// IDs[i] is the ID of the i-th row Rows emits.
	IDs []string
	// Text is the human rendering for table output of non-list results and
	// for -v; it receives an escaping writer helper.
	Text func(w *TextWriter) error
}

// Options are the flags that shape output beside -o.
type Options struct {
	NoTrunc   bool
	Quiet     bool
	Verbose   bool
	NoHeaders bool   // tables and custom-columns without their header line
	Template  string // --template, used with -o go-template
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
	case NDJSON:
		if arg != "" {
			return nil, &FormatError{Format: spec, Allowed: allowed}
		}
		return lineJSON{}, nil
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
			if _, err := w.WriteString(Escape(id)); err != nil {
				return err
			}
			if err := w.WriteByte('\n'); err != nil {
				return err
			}
		}
		return nil
	}
	switch p.format {
	case JSON:
		nonNullLists(r.Doc)
		return writeJSON(w, r.Doc)
	case YAML:
		b, err := MarshalYAML(r.Doc)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
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
		tw := &TextWriter{w: w, Wide: p.format == Wide}
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
		if _, err := w.Write(b); err != nil {
			return err
		}
		return w.WriteByte('\n')
	}
	return renderTable(w, r, p.format == Wide, p.opts.NoTrunc, p.opts.NoHeaders)
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
	if d, ok := doc.(JSONDocument); ok {
		return d.CompactJSON()
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
	nonNullLists(doc)
	return json.Marshal(doc)
}

// JSONDocument is a document that writes its own JSON, with the bytes
// MarshalJSON would give for the value it stands for: a list whose items
// are still in their protobuf encoding writes them without decoding them.
type JSONDocument interface {
	// CompactJSON is the document compact, as json.Compact writes it.
	CompactJSON() ([]byte, error)
	// WriteJSON writes MarshalJSON's bytes and a newline.
	WriteJSON(w *bufio.Writer) error
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
