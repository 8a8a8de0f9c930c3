package printer

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CanonicalJSON appends to dst what json.Marshal writes for the value
// json.Unmarshal reads from src into an `any`: compact, object keys sorted
// and deduplicated (the last wins), strings and numbers re-encoded the
// same way. It works on the bytes, without the maps and interfaces of the
// round trip: inspectp of 50 pods spent 7 ms of CPU in that round trip
// of the runtimes' info, about 2 ms here. Any input it is not sure of
// (invalid, or nested deeper than maxCanonDepth) is an error: the caller
// then takes the round trip, which decides.
func CanonicalJSON(dst, src []byte) ([]byte, error) {
	if !json.Valid(src) {
		return nil, errNotCanonical
	}
	c := canon{src: src}
	// The output is about the size of the input, less its spaces.
	dst = slices.Grow(dst, len(src))
	dst, err := c.value(dst, 0)
	if err != nil {
		return nil, err
	}
	return dst, nil
}

var errNotCanonical = errors.New("not handled by CanonicalJSON")

const maxCanonDepth = 200

// canon reads valid JSON (json.Valid checked it), so only the shapes a
// valid document can take are handled.
type canon struct {
	src []byte
	pos int
	tmp []byte // an object's values while they are put in order
	// members is a stack: an object's members are pushed above those of
	// the objects it is in, and popped when it is written.
	members []canonMember
}

func (c *canon) skipSpace() {
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case ' ', '\t', '\r', '\n':
			c.pos++
		default:
			return
		}
	}
}

type canonMember struct {
	key        []byte // decoded
	start, end int    // the encoded value, from the object's first byte
}

func (c *canon) value(dst []byte, depth int) ([]byte, error) {
	if depth > maxCanonDepth {
		return nil, errNotCanonical
	}
	c.skipSpace()
	switch c.src[c.pos] {
	case '{':
		return c.object(dst, depth)
	case '[':
		c.pos++
		dst = append(dst, '[')
		c.skipSpace()
		if c.src[c.pos] == ']' {
			c.pos++
			return append(dst, ']'), nil
		}
		for {
			var err error
			if dst, err = c.value(dst, depth+1); err != nil {
				return nil, err
			}
			c.skipSpace()
			if c.src[c.pos] == ']' {
				c.pos++
				return append(dst, ']'), nil
			}
			c.pos++ // ','
			dst = append(dst, ',')
		}
	case '"':
		return appendString(dst, c.stringToken())
	case 't':
		c.pos += 4
		return append(dst, "true"...), nil
	case 'f':
		c.pos += 5
		return append(dst, "false"...), nil
	case 'n':
		c.pos += 4
		return append(dst, "null"...), nil
	default:
		start := c.pos
		for c.pos < len(c.src) && strings.IndexByte("+-.0123456789eE", c.src[c.pos]) >= 0 {
			c.pos++
		}
		return appendNumber(dst, c.src[start:c.pos])
	}
}

func (c *canon) object(dst []byte, depth int) ([]byte, error) {
	c.pos++ // '{'
	c.skipSpace()
	if c.src[c.pos] == '}' {
		c.pos++
		return append(dst, "{}"...), nil
	}
	// Values are written in place in dst, in the order read, then the
	// object's bytes are put in key order with one copy through c.tmp.
	base := len(dst)
	bottom := len(c.members)
	for {
		c.skipSpace()
		key, err := decodeKey(c.stringToken())
		if err != nil {
			return nil, err
		}
		c.skipSpace()
		c.pos++ // ':'
		start := len(dst)
		if dst, err = c.value(dst, depth+1); err != nil {
			return nil, err
		}
		c.members = append(c.members, canonMember{key, start - base, len(dst) - base})
		c.skipSpace()
		if c.src[c.pos] == '}' {
			c.pos++
			break
		}
		c.pos++ // ','
	}
	members := c.members[bottom:]
	c.tmp = append(c.tmp[:0], dst[base:]...)
	dst = dst[:base]
	// A key given twice keeps its last value, as in a Go map; the stable
	// sort keeps the members of one key in order, so the last is kept.
	slices.SortStableFunc(members, func(a, b canonMember) int { return bytes.Compare(a.key, b.key) })
	dst = append(dst, '{')
	first := true
	for i, m := range members {
		if i+1 < len(members) && bytes.Equal(members[i+1].key, m.key) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendJSONString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, c.tmp[m.start:m.end]...)
	}
	c.members = c.members[:bottom]
	return append(dst, '}'), nil
}

// stringToken returns the string at c.pos, quotes included.
func (c *canon) stringToken() []byte {
	start := c.pos
	c.pos++
	for {
		switch c.src[c.pos] {
		case '\\':
			c.pos += 2
		case '"':
			c.pos++
			return c.src[start:c.pos]
		default:
			c.pos++
		}
	}
}

// plain reports whether s is written by json.Marshal as it is: nothing to
// escape (quotes, backslashes, control characters, the HTML characters
// <>&, U+2028 and U+2029) and valid UTF-8.
func plain(s []byte) bool {
	ascii := true
	for _, b := range s {
		switch {
		case b < 0x20, b == '"', b == '\\', b == '<', b == '>', b == '&':
			return false
		case b >= 0x80:
			ascii = false
		}
	}
	return ascii || utf8.Valid(s) && !bytes.Contains(s, []byte("\u2028")) && !bytes.Contains(s, []byte("\u2029"))
}

// appendString re-encodes a string token as json.Marshal writes its value.
func appendString(dst, raw []byte) ([]byte, error) {
	if plain(raw[1 : len(raw)-1]) {
		return append(dst, raw...), nil
	}
	s, err := decodeKey(raw)
	if err != nil {
		return nil, err
	}
	return AppendJSONString(dst, s), nil
}

// AppendJSONString writes the decoded string s as json.Marshal does.
func AppendJSONString(dst, s []byte) []byte {
	if plain(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	b, _ := json.Marshal(string(s)) // a string always marshals
	return append(dst, b...)
}

// decodeKey decodes a string token; without escapes it is the token's
// own bytes.
func decodeKey(raw []byte) ([]byte, error) {
	if body := raw[1 : len(raw)-1]; bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return body, nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return []byte(s), err
}

// appendNumber writes a number as json.Marshal writes the float64 that
// json.Unmarshal makes of it (1.0 is 1, 1e3 is 1000, 2^64 loses digits).
func appendNumber(dst, raw []byte) ([]byte, error) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil, errNotCanonical // out of range: json.Unmarshal fails too
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errNotCanonical
	}
	// encoding/json's float format: 'e' outside [1e-6, 1e21), with a
	// one-digit exponent written without its leading zero.
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}
