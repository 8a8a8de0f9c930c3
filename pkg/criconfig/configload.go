// Package criconfig loads and checks the pod and container config files
// of runp, create and run (YAML or JSON, as crictl reads them) and describes
// them as JSON Schema. It makes no RPCs.
package criconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	yaml2 "go.yaml.in/yaml/v2"
	yaml3 "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"
)

// ConfigError is a pod or container config file that cannot be used. Its
// message names the file, the position (line:col) when known, the field
// path and what is wrong, on one line.
type ConfigError struct {
	File      string
	Line, Col int
	Path      string // field path, e.g. linux.security_context.namespace_options.network
	Msg       string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadPodConfig reads a PodSandboxConfig from a JSON or YAML file, as crictl
// does, but strictly: unknown fields, wrong types and values YAML would
// silently change are errors with their position. metadata.name and
// metadata.namespace are required; a missing metadata.uid is generated.
func LoadPodConfig(path string, opts ...ConfigOptions) (*runtimeapi.PodSandboxConfig, error) {
	cfg := &runtimeapi.PodSandboxConfig{}
	pos, err := loadConfig(path, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := pos.require(path, cfg.GetMetadata().GetName() != "", "metadata", "name"); err != nil {
		return nil, err
	}
	if err := pos.require(path, cfg.GetMetadata().GetNamespace() != "", "metadata", "namespace"); err != nil {
		return nil, err
	}
	if cfg.Metadata.Uid == "" {
		cfg.Metadata.Uid = uuid.NewString()
	}
	return cfg, nil
}

// LoadContainerConfig reads a ContainerConfig like LoadPodConfig;
// metadata.name and image.image are required.
func LoadContainerConfig(path string, opts ...ConfigOptions) (*runtimeapi.ContainerConfig, error) {
	cfg := &runtimeapi.ContainerConfig{}
	pos, err := loadConfig(path, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := pos.require(path, cfg.GetMetadata().GetName() != "", "metadata", "name"); err != nil {
		return nil, err
	}
	if err := pos.require(path, cfg.GetImage().GetImage() != "", "image", "image"); err != nil {
		return nil, err
	}
	if cfg.Image.UserSpecifiedImage == "" {
		cfg.Image.UserSpecifiedImage = cfg.Image.Image
	}
	return cfg, nil
}

// ConfigOptions relax the strict loading.
type ConfigOptions struct {
	// Unknown, when set, makes an unknown field a warning passed to it
	// instead of an error, and the field is ignored: crictl's behaviour.
	Unknown func(*ConfigError)
}

// Bounds on a pod or container config. Real ones are a few KB; the runtime
// refuses messages over 16MB anyway. Past them a file is refused before it
// is decoded, so that "runp /dev/zero" or a YAML alias fan-out ("billion
// laughs", through <<: merges too) fails fast instead of eating the node.
const (
	MaxConfigBytes = 4 << 20
	maxConfigDepth = 64
	// maxConfigVisits bounds the checker's walk, in which an alias counts
	// as many times as it is used: a base for plain documents plus a
	// multiple of the document's own size for reasonable reuse.
	maxConfigVisits = 100_000
	visitsPerNode   = 10
)

func loadConfig(path string, into any, opts []ConfigOptions) (positions, error) {
	f, err := os.Open(path)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
		f.Close()
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &ConfigError{File: path, Msg: "cannot read: " + err.Error()}
	}
	return DecodeConfig(path, data, into, opts...)
}

// positions maps a field path to where its key was written.
type positions map[string][2]int

// require reports field parent.name as missing, at parent's position.
func (p positions) require(file string, ok bool, parent, name string) error {
	if ok {
		return nil
	}
	at := p[parent]
	return &ConfigError{File: file, Line: at[0], Col: at[1], Path: parent + "." + name, Msg: "required, but not set"}
}

// DecodeConfig decodes a JSON or YAML document into into (a pointer to a
// generated CRI struct). The document is first checked against the Go type
// with positions; the decoding itself is sigs.k8s.io/yaml's, as in crictl.
func DecodeConfig(file string, data []byte, into any, opts ...ConfigOptions) (positions, error) {
	if len(data) > MaxConfigBytes {
		return nil, &ConfigError{File: file, Msg: fmt.Sprintf("larger than %dMiB: not a pod or container config", MaxConfigBytes>>20)}
	}
	dec := yaml3.NewDecoder(bytes.NewReader(data))
	var doc yaml3.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ConfigError{File: file, Msg: "empty file, want a JSON or YAML object"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml3.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ConfigError{File: file, Line: extra.Line, Col: extra.Column, Msg: "more than one YAML document; put one config in the file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	root := &doc
	if root.Kind == yaml3.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	nodes, err := measure(file, root, 0)
	if err != nil {
		return nil, err
	}
	w := &checker{file: file, pos: positions{}, budget: maxConfigVisits + visitsPerNode*nodes}
	for _, o := range opts {
		if o.Unknown != nil {
			w.unknown = o.Unknown
		}
	}
	if err := w.check(root, reflect.TypeOf(into), ""); err != nil {
		return nil, err
	}
	unmarshal := yaml.UnmarshalStrict
	if w.unknown != nil {
		unmarshal = func(data []byte, into any, _ ...yaml.JSONOpt) error { return yaml.Unmarshal(data, into) }
	}
	if err := unmarshal(data, into); err != nil {
		// The check above accepts only what decodes; this is a safety net.
		msg := strings.TrimPrefix(err.Error(), "error unmarshaling JSON: while decoding JSON: ")
		return nil, &ConfigError{File: file, Msg: strings.TrimPrefix(msg, "json: ")}
	}
	return w.pos, nil
}

// syntaxError turns "yaml: line 3: did not find expected key" into a
// ConfigError at line 3.
func syntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	return &ConfigError{File: file, Line: line, Msg: "invalid YAML/JSON: " + msg}
}

// measure counts the nodes of the tree as written (aliases not followed)
// and refuses nesting deeper than maxConfigDepth.
func measure(file string, n *yaml3.Node, depth int) (int, error) {
	if depth > maxConfigDepth {
		return 0, &ConfigError{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("nested deeper than %d levels", maxConfigDepth)}
	}
	count := 1
	for _, c := range n.Content {
		k, err := measure(file, c, depth+1)
		if err != nil {
			return 0, err
		}
		count += k
	}
	return count, nil
}

// checker walks a YAML node tree against the Go type it will be decoded into.
type checker struct {
	file string
	pos  positions
	// budget is how many more nodes the walk may visit; aliases and merge
	// keys can make a small tree a huge walk.
	budget  int
	unknown func(*ConfigError) // nil: unknown fields are errors
}

// spend takes one visit of n from the budget.
func (w *checker) spend(n *yaml3.Node) error {
	if w.budget--; w.budget < 0 {
		return w.errAt(n, "", "aliases and merge keys (<<:) expand too much: more than %d nodes to check", maxConfigVisits)
	}
	return nil
}

func (w *checker) errAt(n *yaml3.Node, path, format string, args ...any) error {
	return w.configErrAt(n, path, format, args...)
}

// configErrAt is errAt typed, for an error handed on as a warning.
func (w *checker) configErrAt(n *yaml3.Node, path, format string, args ...any) *ConfigError {
	return &ConfigError{File: w.file, Line: n.Line, Col: n.Column, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// The reflect types are spelled at each use, not kept in package
// variables: those would need an init, which every ctr command pays.

func (w *checker) check(n *yaml3.Node, t reflect.Type, path string) error {
	if err := w.spend(n); err != nil {
		return err
	}
	for n.Kind == yaml3.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml3.ScalarNode && n.Tag == "!!null" {
		return nil // JSON null leaves the field unset
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[runtimeapi.KeyValue]():
		// KeyValue decodes its value as a string (see its UnmarshalJSON).
		return w.checkFields(n, path, "KeyValue", func(name string) (reflect.Type, string, bool) {
			if name == "key" || name == "value" {
				return reflect.TypeFor[string](), name, true
			}
			return nil, "", false
		}, []string{"key", "value"})
	case t.Kind() == reflect.Struct:
		fields := jsonFields(t)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		return w.checkFields(n, path, t.Name(), func(name string) (reflect.Type, string, bool) {
			for _, f := range fields {
				if f.name == name {
					return f.typ, f.name, true
				}
			}
			// encoding/json also matches case-insensitively.
			for _, f := range fields {
				if strings.EqualFold(f.name, name) {
					return f.typ, f.name, true
				}
			}
			return nil, "", false
		}, names)
	case t.Kind() == reflect.Map:
		if n.Kind != yaml3.MappingNode {
			return w.errAt(n, path, "want a map of %s, got %s", typeWord(t.Elem()), nodeWord(n))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml3.ScalarNode {
				return w.errAt(k, path, "map keys must be strings")
			}
			if err := w.check(v, t.Elem(), path+"["+strconv.Quote(k.Value)+"]"); err != nil {
				return err
			}
		}
		return nil
	case t.Kind() == reflect.Slice && t != reflect.TypeFor[[]byte]():
		if n.Kind != yaml3.SequenceNode {
			return w.errAt(n, path, "want a list of %s, got %s", typeWord(t.Elem()), nodeWord(n))
		}
		for i, e := range n.Content {
			if err := w.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	return w.checkScalar(n, t, path)
}

// checkFields checks a mapping against a struct's JSON field names.
func (w *checker) checkFields(n *yaml3.Node, path, typeName string, field func(string) (reflect.Type, string, bool), names []string) error {
	if n.Kind != yaml3.MappingNode {
		return w.errAt(n, path, "want an object (%s), got %s", typeName, nodeWord(n))
	}
	seen := map[string]bool{}
	var walk func(m *yaml3.Node) error
	walk = func(m *yaml3.Node) error {
		if err := w.spend(m); err != nil {
			return err
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.Tag == "!!merge" { // <<: *anchor
				for v.Kind == yaml3.AliasNode {
					v = v.Alias
				}
				srcs := []*yaml3.Node{v}
				if v.Kind == yaml3.SequenceNode {
					srcs = v.Content
				}
				for _, s := range srcs {
					for s.Kind == yaml3.AliasNode {
						s = s.Alias
					}
					if s.Kind != yaml3.MappingNode {
						return w.errAt(k, path, "merge key <<: needs a mapping")
					}
					if err := walk(s); err != nil {
						return err
					}
				}
				continue
			}
			ft, name, ok := field(k.Value)
			if !ok {
				msg := "unknown field in " + typeName
				if s := suggest(k.Value, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				err := w.configErrAt(k, join(path, k.Value), "%s", msg)
				if w.unknown == nil {
					return err
				}
				w.unknown(err)
				continue
			}
			sub := join(path, name)
			if seen[name] {
				return w.errAt(k, sub, "set twice")
			}
			seen[name] = true
			w.pos[sub] = [2]int{k.Line, k.Column}
			if err := w.check(v, ft, sub); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// checkScalar accepts what sigs.k8s.io/yaml (YAML 1.1, then encoding/json)
// decodes into t without changing it behind the user's back.
func (w *checker) checkScalar(n *yaml3.Node, t reflect.Type, path string) error {
	if n.Kind != yaml3.ScalarNode {
		return w.errAt(n, path, "want %s, got %s", typeWord(t), nodeWord(n))
	}
	v := yaml11Value(n)
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			// sigs.k8s.io/yaml turns a number or bool into a string the
			// way Go prints it: 1.10 becomes "1.1", yes becomes "true".
			if got := coercedString(v); got != n.Value {
				return w.errAt(n, path, "%s would be read as %q; quote it to keep it as written", n.Value, got)
			}
		}
		return nil
	case reflect.Slice: // []byte other than KeyValue.value: JSON wants base64 text
		if _, ok := v.(string); !ok {
			return w.errAt(n, path, "want a base64 string, got %s", n.Value)
		}
		return nil
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return w.errAt(n, path, "want true or false, got %s", quoteScalar(n))
		}
		return nil
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case int, int64, uint64, float64:
			return nil
		}
		return w.errAt(n, path, "want a number, got %s", quoteScalar(n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return w.checkInteger(n, t, path, v)
	}
	return w.errAt(n, path, "unsupported field type %s", t)
}

func (w *checker) checkInteger(n *yaml3.Node, t reflect.Type, path string, v any) error {
	var i64 int64
	var neg, big bool
	switch x := v.(type) {
	case int:
		i64 = int64(x)
	case int64:
		i64 = x
	case uint64:
		big = true
	default:
		msg := fmt.Sprintf("want an integer, got %s", quoteScalar(n))
		if isEnum(t) {
			if num, ok := enumNumber(t, n.Value); ok {
				msg = fmt.Sprintf("want the number of the %s value: %s is %d", t.Name(), n.Value, num)
			} else {
				msg += " (" + enumValues(t) + ")"
			}
		}
		return w.errAt(n, path, "%s", msg)
	}
	neg = !big && i64 < 0
	bits := t.Bits()
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if neg {
			return w.errAt(n, path, "%s: must not be negative", n.Value)
		}
		if !big && bits < 64 && uint64(i64) > (uint64(1)<<bits)-1 {
			return w.errAt(n, path, "%s does not fit in %d bits", n.Value, bits)
		}
	default:
		if big || bits < 64 && (i64 < -(int64(1)<<(bits-1)) || i64 > int64(1)<<(bits-1)-1) {
			return w.errAt(n, path, "%s is out of range", n.Value)
		}
	}
	if isEnum(t) {
		e := reflect.Zero(t).Interface().(protoreflect.Enum)
		if i64 > math.MaxInt32 || i64 < math.MinInt32 || e.Descriptor().Values().ByNumber(protoreflect.EnumNumber(i64)) == nil {
			return w.errAt(n, path, "%s is not a %s (%s)", n.Value, t.Name(), enumValues(t))
		}
	}
	return nil
}

// yaml11Value is what YAML 1.1 (go.yaml.in/yaml/v2, used by
// sigs.k8s.io/yaml) makes of a scalar.
func yaml11Value(n *yaml3.Node) any {
	quoted := yaml3.DoubleQuotedStyle | yaml3.SingleQuotedStyle | yaml3.LiteralStyle | yaml3.FoldedStyle
	if n.Style&quoted != 0 || n.Style&yaml3.TaggedStyle != 0 && n.Tag == "!!str" {
		return n.Value
	}
	var v any
	if err := yaml2.Unmarshal([]byte(n.Value), &v); err != nil {
		return n.Value
	}
	if v == nil {
		return n.Value
	}
	return v
}

// coercedString mirrors sigs.k8s.io/yaml's number/bool → string coercion.
func coercedString(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func quoteScalar(n *yaml3.Node) string {
	if n.Style&(yaml3.DoubleQuotedStyle|yaml3.SingleQuotedStyle) != 0 {
		return "the string " + strconv.Quote(n.Value)
	}
	return n.Value
}

func nodeWord(n *yaml3.Node) string {
	switch n.Kind {
	case yaml3.MappingNode:
		return "an object"
	case yaml3.SequenceNode:
		return "a list"
	}
	return quoteScalar(n)
}

func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[runtimeapi.KeyValue]():
		return "objects (key, value)"
	case t.Kind() == reflect.Struct:
		return "objects (" + t.Name() + ")"
	case isEnum(t):
		return "a " + t.Name() + " number"
	case t.Kind() == reflect.String:
		return "strings"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Map:
		return "a map"
	case t.Kind() == reflect.Slice:
		return "a list"
	}
	return "numbers"
}

func isEnum(t reflect.Type) bool {
	return t.Kind() == reflect.Int32 && t.Implements(reflect.TypeFor[protoreflect.Enum]())
}

func enumNumber(t reflect.Type, name string) (int32, bool) {
	e := reflect.Zero(t).Interface().(protoreflect.Enum)
	v := e.Descriptor().Values().ByName(protoreflect.Name(name))
	if v == nil {
		return 0, false
	}
	return int32(v.Number()), true
}

// enumValues lists an enum as "POD=0, CONTAINER=1, ...".
func enumValues(t reflect.Type) string {
	vals := reflect.Zero(t).Interface().(protoreflect.Enum).Descriptor().Values()
	parts := make([]string, vals.Len())
	for i := range parts {
		v := vals.Get(i)
		parts[i] = fmt.Sprintf("%s=%d", v.Name(), v.Number())
	}
	return strings.Join(parts, ", ")
}

// jsonField is one field as encoding/json sees it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists a generated struct's fields by their JSON names
// (the proto field names, snake_case).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, typ: f.Type})
	}
	return out
}

// suggest finds the field the user probably meant: the snake_case form of a
// camelCase key (protojson's spelling, as in inspect output), a different
// case, or a name within two edits.
func suggest(key string, names []string) string {
	snake := toSnake(key)
	for _, n := range names {
		if n == snake || strings.EqualFold(n, key) {
			return n
		}
	}
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(key), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = slices.Min([]int{prev[j] + 1, cur[j-1] + 1, prev[j-1] + cost})
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
