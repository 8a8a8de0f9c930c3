package printer

import (
	"fmt"
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
