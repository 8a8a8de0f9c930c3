package printer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes a runtime-supplied string safe for a terminal: control
// characters (C0, DEL, C1) and invalid UTF-8 are shown as \xNN, so a hostile
// container name cannot move the cursor or recolour the operator's screen.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r):
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

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl)
			}
			return true
		}
	}
	return false
}
