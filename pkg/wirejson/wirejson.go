// Package wirejson writes protobuf messages as JSON straight from their wire
// encoding, without decoding them into Go structs first. The bytes are
// exactly those of protojson (EmitDefaultValues) followed by encoding/json's
// Indent or Compact, the printer's document form; Validate accepts exactly
// what proto.Unmarshal accepts. Both are checked against the real thing by
// differential tests and a fuzz target.
//
// It exists for speed: ps -a -o json at 10,000 containers spent most of its
// time in proto.Unmarshal's maps and protojson's reflection. Only the field
// kinds the CRI list types use are supported; For reports anything else, so
// a caller can fall back to protojson.
package wirejson

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Message is the compiled form of one message type.
type Message struct {
	name   protoreflect.FullName
	fields []field // declaration order, the order protojson writes
	byNum  []int16 // field number → index in fields, -1 for unknown
}

type field struct {
	num   protowire.Number
	key   string // the JSON name, quoted
	kind  protoreflect.Kind
	wire  protowire.Type // the wire type of one value
	list  bool
	isMap bool
	msg   *Message // message kind, or a list of messages
	val   *field   // a map's value (its key is always a string)
	enum  map[int32]string
}

// cache is made on first use: a map literal here would be a package init,
// which every ctr command pays.
var (
	cacheMu sync.Mutex
	cache   map[protoreflect.FullName]*Message
)

// For compiles md (once; later calls are a map lookup). It fails for field
// kinds the encoder does not write the way protojson does: floats, groups,
// oneofs and proto3 optional fields, well-known types, maps with non-string
// keys or message values, repeated scalars other than strings and bytes.
func For(md protoreflect.MessageDescriptor) (*Message, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if cache == nil {
		cache = map[protoreflect.FullName]*Message{}
	}
	return compile(md)
}

func compile(md protoreflect.MessageDescriptor) (*Message, error) {
	if m, ok := cache[md.FullName()]; ok {
		return m, nil
	}
	if strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return nil, fmt.Errorf("wirejson: %s: well-known types are not supported", md.FullName())
	}
	m := &Message{name: md.FullName()}
	cache[md.FullName()] = m // before the fields: a message may contain itself
	fail := func(err error) (*Message, error) {
		delete(cache, md.FullName())
		return nil, err
	}
	fds := md.Fields()
	maxNum := protowire.Number(0)
	for i := range fds.Len() {
		fd := fds.Get(i)
		if fd.ContainingOneof() != nil || fd.IsExtension() {
			return fail(fmt.Errorf("wirejson: %s: oneofs and optional fields are not supported", fd.FullName()))
		}
		f := field{num: fd.Number(), key: quote(fd.JSONName()), list: fd.IsList(), isMap: fd.IsMap()}
		switch {
		case fd.IsMap():
			if fd.MapKey().Kind() != protoreflect.StringKind {
				return fail(fmt.Errorf("wirejson: %s: only string map keys are supported", fd.FullName()))
			}
			v, err := scalar(fd.MapValue())
			if err != nil {
				return fail(err)
			}
			f.kind, f.wire, f.val = protoreflect.MessageKind, protowire.BytesType, &v
		case fd.Kind() == protoreflect.MessageKind:
			sub, err := compile(fd.Message())
			if err != nil {
				return fail(err)
			}
			f.kind, f.wire, f.msg = protoreflect.MessageKind, protowire.BytesType, sub
		default:
			v, err := scalar(fd)
			if err != nil {
				return fail(err)
			}
			if f.list && v.wire != protowire.BytesType {
				return fail(fmt.Errorf("wirejson: %s: repeated %s is not supported", fd.FullName(), fd.Kind()))
			}
			f.kind, f.wire, f.enum = v.kind, v.wire, v.enum
		}
		m.fields = append(m.fields, f)
		maxNum = max(maxNum, f.num)
	}
	if maxNum > 1024 {
		return fail(fmt.Errorf("wirejson: %s: field numbers above 1024 are not supported", md.FullName()))
	}
	m.byNum = slices.Repeat([]int16{-1}, int(maxNum)+1)
	for i, f := range m.fields {
		m.byNum[f.num] = int16(i)
	}
	return m, nil
}

// scalar compiles a singular non-message field (or a map value).
func scalar(fd protoreflect.FieldDescriptor) (field, error) {
	f := field{kind: fd.Kind()}
	switch fd.Kind() {
	case protoreflect.BoolKind, protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Uint32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Uint64Kind:
		f.wire = protowire.VarintType
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			return f, fmt.Errorf("wirejson: %s: NullValue is not supported", fd.FullName())
		}
		f.wire = protowire.VarintType
		f.enum = map[int32]string{}
		vals := fd.Enum().Values()
		for i := range vals.Len() {
			v := vals.Get(i)
			// The first name declared for a number, as protojson's ByNumber.
			if _, dup := f.enum[int32(v.Number())]; !dup {
				f.enum[int32(v.Number())] = string(v.Name())
			}
		}
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		f.wire = protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		f.wire = protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind:
		f.wire = protowire.BytesType
	default:
		return f, fmt.Errorf("wirejson: %s: kind %s is not supported", fd.FullName(), fd.Kind())
	}
	return f, nil
}

func quote(s string) string {
	b, _ := appendString(nil, []byte(s))
	return string(b)
}

// ErrInvalid is returned for bytes proto.Unmarshal would refuse.
var ErrInvalid = errors.New("invalid protobuf encoding")

// ErrUTF8 is returned for a string field that is not valid UTF-8, which
// proto.Unmarshal refuses for proto3 strings.
var ErrUTF8 = errors.New("string field is not valid UTF-8")

// Validate reports whether proto.Unmarshal would accept b as this message,
// with the error it would have (kind, not wording).
func (m *Message) Validate(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber || typ == protowire.EndGroupType {
			return ErrInvalid
		}
		b = b[n:]
		f := m.field(num)
		if f == nil || f.wire != typ {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return ErrInvalid
			}
			b = b[n:]
			continue
		}
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return ErrInvalid
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return ErrInvalid
		}
		b = b[n:]
		var err error
		switch {
		case f.isMap:
			_, _, err = f.entry(v)
		case f.msg != nil:
			err = f.msg.Validate(v)
		case f.kind == protoreflect.StringKind && !utf8.Valid(v):
			err = ErrUTF8
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *Message) field(num protowire.Number) *field {
	if int(num) < len(m.byNum) {
		if i := m.byNum[num]; i >= 0 {
			return &m.fields[i]
		}
	}
	return nil
}

// entry parses one map entry: its key and its value's raw occurrence (the
// last one, as proto.Unmarshal keeps), both validated.
func (f *field) entry(b []byte) (key []byte, val value, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber {
			return nil, value{}, ErrInvalid
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			k, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, value{}, ErrInvalid
			}
			if !utf8.Valid(k) {
				return nil, value{}, ErrUTF8
			}
			key, b = k, b[n:]
		case num == 2 && typ == f.val.wire:
			v, n := consumeValue(typ, b)
			if n < 0 {
				return nil, value{}, ErrInvalid
			}
			if f.val.kind == protoreflect.StringKind && !utf8.Valid(v.b) {
				return nil, value{}, ErrUTF8
			}
			val, b = v, b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, value{}, ErrInvalid
			}
			b = b[n:]
		}
	}
	return key, val, nil
}

// value is one field occurrence: the payload of a bytes field, else the
// number (varint, fixed32 or fixed64).
type value struct {
	b   []byte
	n   uint64
	set bool
}

func consumeValue(typ protowire.Type, b []byte) (value, int) {
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b)
		return value{n: v, set: true}, n
	case protowire.Fixed32Type:
		v, n := protowire.ConsumeFixed32(b)
		return value{n: uint64(v), set: true}, n
	case protowire.Fixed64Type:
		v, n := protowire.ConsumeFixed64(b)
		return value{n: v, set: true}, n
	case protowire.BytesType:
		v, n := protowire.ConsumeBytes(b)
		return value{b: v, set: true}, n
	}
	return value{}, -1
}

// Encoder writes messages of one type; it keeps scratch space between calls,
// so reuse one for a list. It is not safe for concurrent use.
type Encoder struct {
	m              *Message
	prefix, indent string
	compact        bool
	occ            []occurrence // per message being written, a window of it
	entries        []mapEntry
}

type occurrence struct {
	f int16
	v value
}

type mapEntry struct {
	key []byte
	val value
}

// NewEncoder returns an encoder whose output matches json.Indent(protojson,
// prefix, indent) of the message.
func (m *Message) NewEncoder(prefix, indent string) *Encoder {
	return &Encoder{m: m, prefix: prefix, indent: indent}
}

// NewCompactEncoder returns an encoder whose output matches
// json.Compact(protojson) of the message.
func (m *Message) NewCompactEncoder() *Encoder { return &Encoder{m: m, compact: true} }

// Append appends the JSON of the message encoded in b to dst. Its input
// must be valid (Validate); invalid input is reported, never half-guessed,
// but dst may then hold a partial document.
func (e *Encoder) Append(dst, b []byte) ([]byte, error) {
	return e.message(dst, e.m, b, 0)
}

func (e *Encoder) newline(dst []byte, depth int) []byte {
	if e.compact {
		return dst
	}
	dst = append(dst, '\n')
	dst = append(dst, e.prefix...)
	for range depth {
		dst = append(dst, e.indent...)
	}
	return dst
}

func (e *Encoder) message(dst []byte, m *Message, b []byte, depth int) ([]byte, error) {
	start := len(e.occ)
	defer func() { e.occ = e.occ[:start] }()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return dst, ErrInvalid
		}
		b = b[n:]
		f := m.field(num)
		if f == nil || f.wire != typ {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return dst, ErrInvalid
			}
			b = b[n:]
			continue
		}
		v, n := consumeValue(typ, b)
		if n < 0 {
			return dst, ErrInvalid
		}
		b = b[n:]
		e.occ = append(e.occ, occurrence{m.byNum[num], v})
	}
	// This message's occurrences. Nested messages append after them (and
	// truncate back); a reallocation leaves this window's contents intact.
	occ := e.occ[start:len(e.occ):len(e.occ)]
	dst = append(dst, '{')
	wrote := false
	for i := range m.fields {
		f := &m.fields[i]
		count, last := find(occ, i)
		if f.msg != nil && !f.list && count == 0 {
			continue // an absent message is omitted; scalars, lists and maps are not
		}
		if wrote {
			dst = append(dst, ',')
		}
		wrote = true
		dst = e.newline(dst, depth+1)
		dst = append(dst, f.key...)
		dst = append(dst, ':')
		if !e.compact {
			dst = append(dst, ' ')
		}
		var err error
		switch {
		case f.isMap:
			dst, err = e.mapValue(dst, f, occ, i, depth+1)
		case f.list:
			dst, err = e.listValue(dst, f, occ, i, depth+1)
		case f.msg != nil:
			// Occurrences of a message field merge: on the wire, that is
			// their concatenation.
			payload := last.b
			if count > 1 {
				payload = nil
				for _, o := range occ {
					if int(o.f) == i {
						payload = append(payload, o.v.b...)
					}
				}
			}
			dst, err = e.message(dst, f.msg, payload, depth+1)
		default:
			dst, err = appendScalar(dst, f, last) // the last occurrence wins
		}
		if err != nil {
			return dst, err
		}
	}
	if wrote {
		dst = e.newline(dst, depth)
	}
	return append(dst, '}'), nil
}

// find counts field i's occurrences and returns the last one.
func find(occ []occurrence, i int) (count int, last value) {
	for _, o := range occ {
		if int(o.f) == i {
			count, last = count+1, o.v
		}
	}
	return count, last
}

func (e *Encoder) listValue(dst []byte, f *field, occ []occurrence, i int, depth int) ([]byte, error) {
	dst = append(dst, '[')
	n := 0
	for _, o := range occ {
		if int(o.f) != i {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = e.newline(dst, depth+1)
		var err error
		if f.msg != nil {
			dst, err = e.message(dst, f.msg, o.v.b, depth+1)
		} else {
			dst, err = appendScalar(dst, f, o.v)
		}
		if err != nil {
			return dst, err
		}
	}
	if n > 0 {
		dst = e.newline(dst, depth)
	}
	return append(dst, ']'), nil
}

func (e *Encoder) mapValue(dst []byte, f *field, occ []occurrence, i int, depth int) ([]byte, error) {
	start := len(e.entries)
	defer func() { e.entries = e.entries[:start] }()
	for _, o := range occ {
		if int(o.f) != i {
			continue
		}
		k, v, err := f.entry(o.v.b)
		if err != nil {
			return dst, err
		}
		e.entries = append(e.entries, mapEntry{k, v})
	}
	ents := e.entries[start:]
	// Sorted by key as protojson does; of equal keys the last one wins,
	// as in proto.Unmarshal, which a stable sort keeps last in its run.
	slices.SortStableFunc(ents, func(a, b mapEntry) int { return bytes.Compare(a.key, b.key) })
	dst = append(dst, '{')
	n := 0
	for j := range ents {
		if j+1 < len(ents) && bytes.Equal(ents[j+1].key, ents[j].key) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = e.newline(dst, depth+1)
		var err error
		if dst, err = appendString(dst, ents[j].key); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if !e.compact {
			dst = append(dst, ' ')
		}
		if dst, err = appendScalar(dst, f.val, ents[j].val); err != nil {
			return dst, err
		}
	}
	if n > 0 {
		dst = e.newline(dst, depth)
	}
	return append(dst, '}'), nil
}

// appendScalar writes one value as protojson does; an unset value is the
// kind's default.
func appendScalar(dst []byte, f *field, v value) ([]byte, error) {
	switch f.kind {
	case protoreflect.StringKind:
		return appendString(dst, v.b)
	case protoreflect.BytesKind:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.b)
		return append(dst, '"'), nil
	case protoreflect.BoolKind:
		return strconv.AppendBool(dst, v.n != 0), nil
	case protoreflect.Int32Kind:
		return strconv.AppendInt(dst, int64(int32(v.n)), 10), nil
	case protoreflect.Sfixed32Kind:
		return strconv.AppendInt(dst, int64(int32(uint32(v.n))), 10), nil
	case protoreflect.Sint32Kind:
		return strconv.AppendInt(dst, int64(int32(protowire.DecodeZigZag(v.n&math.MaxUint32))), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(dst, uint64(uint32(v.n)), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, int64(v.n), 10)
		return append(dst, '"'), nil
	case protoreflect.Sint64Kind:
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, protowire.DecodeZigZag(v.n), 10)
		return append(dst, '"'), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, v.n, 10)
		return append(dst, '"'), nil
	case protoreflect.EnumKind:
		n := int32(v.n)
		if name, ok := f.enum[n]; ok {
			dst = append(dst, '"')
			dst = append(dst, name...)
			return append(dst, '"'), nil
		}
		return strconv.AppendInt(dst, int64(n), 10), nil
	}
	return dst, fmt.Errorf("wirejson: kind %s", f.kind)
}

// appendString quotes s with protojson's escapes: \" \\ \b \f \n \r \t, other
// C0 controls as \u00XX (lower-case hex), everything else (DEL, C1, U+2028,
// '<' '>' '&') raw. Invalid UTF-8 is an error, as in protojson.
func appendString(dst, s []byte) ([]byte, error) {
	dst = append(dst, '"')
	i := 0
	for j := 0; j < len(s); {
		c := s[j]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(s[j:])
			if r == utf8.RuneError && size == 1 {
				return dst, ErrUTF8
			}
			j += size
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			j++
			continue
		}
		dst = append(dst, s[i:j]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		j++
		i = j
	}
	dst = append(dst, s[i:]...)
	return append(dst, '"'), nil
}
