package printer

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes a string that did not come from the user's own arguments safe
// for a terminal and for a one-line error: control characters (C0 including
// newline, DEL, C1), format characters (bidi overrides and isolates,
// zero-width characters), line and paragraph separators and invalid UTF-8
// are shown as \xNN or \uNNNN, so a hostile name or error text cannot move
// the cursor, write the clipboard (OSC 52), forge a second "ctr:" line or
// reorder what the operator reads. Everything else passes unchanged.
//
// It is the one escaping function: tables, error lines, completion
// descriptions and logs on a terminal all use it.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports the runes Escape rewrites.
func unsafeRune(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		} else if c >= 0x80 {
			return !utf8.ValidString(s) || strings.ContainsFunc(s[i:], unsafeRune)
		}
	}
	return false
}

// TerminalWriter wraps w, a terminal, for container output (logs): SGR
// colour sequences (ESC [ digits ; m) and newlines and tabs pass; every
// other control is shown escaped as Escape does, so a container cannot
// clear the screen, move the cursor, set the title or the clipboard (OSC),
// or send DCS/APC strings to the operator's terminal. Each Write is handled
// on its own: the log reader writes whole lines.
func TerminalWriter(w io.Writer) io.Writer { return &terminalWriter{w: w} }

type terminalWriter struct {
	w   io.Writer
	buf []byte
}

func (t *terminalWriter) Write(p []byte) (int, error) {
	b := t.buf[:0]
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '\n', '\t':
			b = append(b, c)
			i++
		case 0x1b:
			if n := sgrLen(p[i:]); n > 0 {
				b = append(b, p[i:i+n]...)
				i += n
			} else {
				b = append(b, `\x1b`...)
				i++
			}
		default:
			j := i + 1
			for j < len(p) && p[j] != 0x1b && p[j] != '\n' && p[j] != '\t' {
				j++
			}
			b = append(b, Escape(string(p[i:j]))...)
			i = j
		}
	}
	t.buf = b
	if _, err := t.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sgrLen is the length of the SGR sequence p starts with, 0 if none.
func sgrLen(p []byte) int {
	if len(p) < 3 || p[0] != 0x1b || p[1] != '[' {
		return 0
	}
	for i := 2; i < len(p); i++ {
		switch c := p[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}
