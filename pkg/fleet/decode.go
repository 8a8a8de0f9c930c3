package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ctrcri/ctrcri/pkg/diagnose"
)

// MaxNodeProblems is how many problems of one report a merge keeps for
// grouping: what diagnose itself lists at most. Every problem is counted.
const MaxNodeProblems = 100

// report is what a merge keeps of one diagnose report: a bounded summary.
type report struct {
	APIVersion string
	Kind       string
	Time       time.Time
	Node       diagnose.Node
	Healthy    *bool
	Errors     int
	Warnings   int
	Problems   []diagnose.Problem // the first MaxNodeProblems
	Versions   diagnose.Versions
}

// decode reads one document strictly: the fields a merge reads must mean
// the same to it as to jq, so a duplicate key, a key that differs from a
// known one only in case, and an unknown severity are errors at their line.
// The rest of the document is checked for syntax only.
func decode(d doc) (*report, error) {
	if !json.Valid(d.data) {
		// The standard decoder says where and why.
		var v any
		err := json.Unmarshal(d.data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &lineError{line: lineAt(d, int(se.Offset)), err: fmt.Errorf("invalid JSON: %v", se)}
		}
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	p := &parser{b: d.data}
	var rep report
	err := p.object(topKeys, func(key string, _ int) error {
		switch key {
		case "apiVersion":
			return p.str(&rep.APIVersion)
		case "kind":
			return p.str(&rep.Kind)
		case "time":
			return p.unmarshal(&rep.Time)
		case "durationMs":
			var ms int64
			return p.unmarshal(&ms)
		case "healthy":
			rep.Healthy = new(bool)
			return p.unmarshal(rep.Healthy)
		case "node":
			return p.object(nodeKeys, func(key string, _ int) error {
				switch key {
				case "name":
					return p.str(&rep.Node.Name)
				case "nameFrom":
					return p.str(&rep.Node.NameFrom)
				case "kernel":
					return p.str(&rep.Node.Kernel)
				case "os":
					return p.str(&rep.Node.OS)
				case "arch":
					return p.str(&rep.Node.Arch)
				}
				return p.skip()
			})
		case "versions":
			v := &rep.Versions
			fields := map[string]*string{"client": &v.Client, "runtimeName": &v.RuntimeName, "runtimeVersion": &v.RuntimeVersion,
				"criAPIVersion": &v.CRIAPIVersion, "containerd": &v.Containerd, "containerdRevision": &v.ContainerdRevision,
				"shim": &v.Shim, "runc": &v.Runc, "cni": &v.CNI}
			return p.object(versionKeys, func(key string, _ int) error {
				if f := fields[key]; f != nil {
					return p.str(f)
				}
				return p.skip()
			})
		case "problems":
			return p.problems(&rep)
		}
		return p.skip()
	})
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			return nil, &lineError{line: lineAt(d, pe.off), err: pe.err}
		}
		return nil, err
	}
	return &rep, nil
}

func lineAt(d doc, off int) int {
	return d.line + bytes.Count(d.data[:min(off, len(d.data))], []byte{'\n'})
}

// Keys of the objects a merge reads: a key equal to one of these but for
// case is refused (Go's decoder would take it, jq would not).
var (
	topKeys     = []string{"apiVersion", "kind", "time", "durationMs", "node", "endpoint", "healthy", "problems", "versions", "truncated"}
	nodeKeys    = []string{"name", "nameFrom", "kernel", "os", "arch"}
	versionKeys = []string{"client", "runtimeName", "runtimeVersion", "criAPIVersion", "containerd", "containerdRevision", "shim", "runc", "cni"}
	problemKeys = []string{"severity", "check", "object", "message"}
)

func (p *parser) problems(rep *report) error {
	if p.peek() == 'n' { // null
		return p.skip()
	}
	if p.peek() != '[' {
		return p.errorf("not a diagnose report: field problems: not an array")
	}
	p.i++
	for {
		switch p.peek() {
		case ']':
			p.i++
			return nil
		case ',':
			p.i++
		}
		if err := p.problem(rep); err != nil {
			return err
		}
	}
}

// problem reads one element of problems (a loop, not a callback: a
// report may list hundreds of thousands).
func (p *parser) problem(rep *report) error {
	if p.peek() != '{' {
		return p.errorf("not a diagnose report: field problems: an element is not an object")
	}
	p.i++
	keep := len(rep.Problems) < MaxNodeProblems
	var pr diagnose.Problem
	sevAt := -1
	var ks keySet
	for {
		key, done, err := p.nextKey(problemKeys, &ks)
		if err != nil {
			return err
		}
		if done {
			break
		}
		switch {
		case key == "severity":
			sevAt = p.i
			switch raw := p.value(); string(raw) {
			case `"error"`:
				pr.Severity = diagnose.SeverityError
			case `"warning"`:
				pr.Severity = diagnose.SeverityWarning
			default:
				p.i = sevAt
				err = p.strInto(&pr.Severity)
			}
		case keep && key == "check":
			err = p.strInto(&pr.Check)
		case keep && key == "object":
			err = p.strInto(&pr.Object)
		case keep && key == "message":
			err = p.strInto(&pr.Message)
		default:
			err = p.skip()
		}
		if err != nil {
			return fieldOf(err, key)
		}
	}
	switch pr.Severity {
	case diagnose.SeverityError:
		rep.Errors++
	case diagnose.SeverityWarning:
		rep.Warnings++
	default:
		if sevAt < 0 {
			return p.errorf("a problem without a severity")
		}
		return &posError{off: sevAt, err: fmt.Errorf("unknown severity %q (error or warning)", pr.Severity)}
	}
	if keep {
		rep.Problems = append(rep.Problems, pr)
	}
	return nil
}

// posError is an error at a byte offset of a document.
type posError struct {
	off int
	err error
}

func (e *posError) Error() string { return e.err.Error() }

func (e *posError) Unwrap() error { return e.err }

// parser walks a document json.Valid accepted; it decodes the values a
// merge reads and skips the others without allocating.
type parser struct {
	b []byte
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return &posError{off: p.i, err: fmt.Errorf(format, args...)}
}

func (p *parser) ws() {
	for p.i < len(p.b) && isSpace(p.b[p.i]) {
		p.i++
	}
}

func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// object calls f with each key, the parser on its value; f consumes the
// value. Keys must be unique and must not differ from one of known only
// in case.
func (p *parser) object(known []string, f func(key string, off int) error) error {
	if p.peek() != '{' {
		return p.errorf("not a diagnose report: an object was expected")
	}
	p.i++
	var ks keySet
	for {
		off := p.i
		key, done, err := p.nextKey(known, &ks)
		if err != nil || done {
			return err
		}
		if err := f(key, off); err != nil {
			return fieldOf(err, key)
		}
	}
}

// fieldOf names the field a value of the wrong type is in.
func fieldOf(err error, key string) error {
	var te *typeErr
	if errors.As(err, &te) && te.field == "" {
		te.field = key
	}
	return err
}

// keySet is the keys of one object seen so far.
type keySet struct {
	arr  [8]string
	n    int
	many map[string]bool // past len(arr)
}

// add records key and says whether it was there already.
func (k *keySet) add(key string) bool {
	for _, x := range k.arr[:k.n] {
		if x == key {
			return true
		}
	}
	if k.n < len(k.arr) {
		k.arr[k.n] = key
		k.n++
		return false
	}
	if k.many == nil {
		k.many = map[string]bool{}
	}
	dup := k.many[key]
	k.many[key] = true
	return dup
}

// nextKey reads the next key of an object and the colon after it, or the
// closing brace (done). It refuses a duplicate key, and a key that equals
// one of known but for case.
func (p *parser) nextKey(known []string, ks *keySet) (key string, done bool, err error) {
	switch p.peek() {
	case '}':
		p.i++
		return "", true, nil
	case ',':
		p.i++
		p.ws()
	}
	off := p.i
	key, ok := p.knownKey(known)
	if !ok {
		if key, err = p.strVal(); err != nil {
			return "", false, err
		}
		for _, k := range known {
			if k != key && strings.EqualFold(k, key) {
				return "", false, &posError{off: off, err: fmt.Errorf("key %q differs only in case from %q", key, k)}
			}
		}
	}
	if ks.add(key) {
		return "", false, &posError{off: off, err: fmt.Errorf("duplicate key %q", key)}
	}
	p.peek()
	p.i++ // ':'
	p.ws()
	return key, false, nil
}

// knownKey consumes the next key if it is one of known, spelt plainly,
// without allocating; otherwise it consumes nothing.
func (p *parser) knownKey(known []string) (string, bool) {
	b := p.b[p.i:]
	for _, k := range known {
		if len(b) >= len(k)+2 && b[0] == '"' && b[len(k)+1] == '"' && string(b[1:len(k)+1]) == k {
			p.i += len(k) + 2
			return k, true
		}
	}
	return "", false
}

// skip passes over one value.
func (p *parser) skip() error {
	p.ws()
	depth, inStr, esc := 0, false, false
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if depth == 0 {
					p.i++
					return nil
				}
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 { // the end of a scalar in a container
				return nil
			}
			depth--
			if depth == 0 {
				p.i++
				return nil
			}
		case depth == 0 && (c == ',' || isSpace(c)):
			return nil
		}
	}
	return nil
}

// value returns the bytes of the next value.
func (p *parser) value() []byte {
	p.ws()
	start := p.i
	_ = p.skip() // a value cut short fails the decoding of these bytes
	return p.b[start:p.i]
}

// str decodes a string value; plain strings take no decoder.
func (p *parser) str(into *string) error {
	v, err := p.strVal()
	if err == nil {
		*into = v
	}
	return err
}

// strInto is str for a field of a value on the stack.
func (p *parser) strInto(into *string) (err error) {
	*into, err = p.strVal()
	return err
}

// strVal decodes a string value; into does not escape to the heap, so
// that a report of many problems costs no allocation per field.
func (p *parser) strVal() (string, error) {
	off := p.i
	raw := p.value()
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", &posError{off: off, err: typeError(err)}
	}
	return v, nil
}

func (p *parser) unmarshal(into any) error {
	off := p.i
	if err := json.Unmarshal(p.value(), into); err != nil {
		return &posError{off: off, err: typeError(err)}
	}
	return nil
}

// typeErr is a value of the wrong type; the object it is in names the
// field.
type typeErr struct {
	field string
	err   error
}

func (e *typeErr) Error() string {
	return fmt.Sprintf("not a diagnose report: field %s: %v", e.field, e.err)
}

func typeError(err error) error { return &typeErr{err: err} }
