package printer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEscape: whatever a runtime sends, Escape's result is valid UTF-8 on
// one line with nothing a terminal interprets, unchanged when nothing needed
// escaping, and stable when escaped again.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x1b[2J\x1b]52;c;cHduZWQ=\a", "line1\nline2", "c1\u009b31m", "abc\u202edcba",
		"x\u2066y\u2069\u200bz", "\xff\xfe", "\u2028\u2029", "日本語", "\x7f", "\\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q: invalid UTF-8", s, e)
		}
		for _, r := range e {
			if unsafeRune(r) {
				t.Fatalf("Escape(%q) = %q keeps %U", s, e, r)
			}
		}
		if !needsEscape(s) && e != s {
			t.Fatalf("Escape(%q) = %q changed a safe string", s, e)
		}
		if Escape(e) != e {
			t.Fatalf("Escape is not stable on %q", e)
		}
	})
}

// FuzzTerminalWriter: container output written to a terminal carries no
// control character but newline, tab and the ESC of an SGR colour sequence.
func FuzzTerminalWriter(f *testing.F) {
	for _, s := range []string{"log\x1b[2Jline\x1b]52;c;cHduZWQ=\a\n", "\x1b[31mred\x1b[0m\n", "\x1b[", "\x1b[1;2", "\x1bP1$q\x1b\\", "\r\b\u009b2J", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var out bytes.Buffer
		if n, err := TerminalWriter(&out).Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		b := out.Bytes()
		for i := 0; i < len(b); i++ {
			c := b[i]
			switch {
			case c == 0x1b:
				n := sgrLen(b[i:])
				if n == 0 {
					t.Fatalf("%q: ESC outside SGR at %d in %q", p, i, b)
				}
				i += n - 1
			case c < 0x20 && c != '\n' && c != '\t', c == 0x7f:
				t.Fatalf("%q: control %#x at %d in %q", p, c, i, b)
			}
		}
		if !utf8.Valid(b) {
			t.Fatalf("%q: invalid UTF-8 out: %q", p, b)
		}
	})
}

// FuzzOutputFormats: any -o spec either is refused as a FormatError or
// TemplateError, or prints a listing with hostile names; json stays valid
// JSON and yaml never fails.
func FuzzOutputFormats(f *testing.F) {
	for _, spec := range []string{"table", "wide", "json", "yaml", "go-template={{range .items}}{{.name}}{{end}}",
		"jsonpath={.items[*].name}", "custom-columns=NAME:.name", "go-template={{", "jsonpath={", "custom-columns=", "xml"} {
		f.Add(spec, "c1\u009b31mred\x1b]52;\a\nx")
	}
	f.Fuzz(func(t *testing.T, spec, name string) {
		if strings.Contains(spec, "range") && strings.Count(spec, "range") > 2 {
			t.Skip() // nested ranges over big numbers only measure patience
		}
		p, err := New(spec, ListFormats, Options{})
		if err != nil {
			return
		}
		type item struct {
			Name string `json:"name"`
		}
		doc := map[string]any{"items": []item{{name}, {"b"}}}
		r := &Resource{
			Doc: doc, ItemsKey: "items", IDs: []string{name},
			Columns: []Column{{Header: "NAME"}, {Header: "ID", ID: true}},
			Rows: func(emit func(...string)) {
				emit(name, name)
				emit("b", "0123456789abcdef")
			},
		}
		var out bytes.Buffer
		err = p.Print(&out, r)
		switch spec {
		case JSON:
			if err != nil || !json.Valid(out.Bytes()) {
				t.Fatalf("json: %v\n%s", err, out.Bytes())
			}
		case YAML:
			if err != nil {
				t.Fatalf("yaml failed on %q: %v", name, err)
			}
		case Table, Wide:
			if err != nil || strings.ContainsAny(out.String(), "\x1b\a\r\u009b") {
				t.Fatalf("table: %v, %q", err, out.String())
			}
		}
	})
}
