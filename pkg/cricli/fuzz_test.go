package cricli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/completion"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// FuzzConfigEdit: config --set on any existing crictl.yaml either refuses
// (one line, exit 1 or 2) or leaves a YAML file in which config --get reads
// back what was set (escaped for the terminal, like every printed value).
func FuzzConfigEdit(f *testing.F) {
	for _, s := range []string{"", "runtime-endpoint: unix:///a.sock\n", "timeout: 5\ntimeout: 7\n", "a: &x 1\nb: *x\n",
		"runtime-endpoint: !!binary aGk=\n", "- a\n- b\n", "# c\nruntime-endpoint: x # y\n", "{runtime-endpoint: [1]}", "\xff"} {
		f.Add([]byte(s), "unix:///run/x.sock")
	}
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		if value == "" || strings.ContainsAny(value, ",\n\r") {
			t.Skip() // --set splits at commas; empty is its own case
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "crictl.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		run := func(args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			code := Run(context.Background(), ctrRoot(), append([]string{"ctr", "cri", "-c", path, "config"}, args...), &out, &errb)
			return code, out.String(), errb.String()
		}
		code, _, stderr := run("--set", "runtime-endpoint="+value)
		switch code {
		case 0:
		case 1, 2:
			if strings.Count(stderr, "\n") != 1 {
				t.Fatalf("--set failed with %q, want one line", stderr)
			}
			return
		default:
			t.Fatalf("--set exit %d: %s", code, stderr)
		}
		written, _ := os.ReadFile(path)
		var n yaml3.Node
		if err := yaml3.Unmarshal(written, &n); err != nil {
			t.Fatalf("--set wrote YAML that does not parse: %v\n%s", err, written)
		}
		if code, out, stderr := run("--get", "runtime-endpoint"); code != 0 || out != printer.Escape(value)+"\n" {
			t.Fatalf("--get after --set %q: exit %d %q %q\nfile:\n%s", value, code, out, stderr, written)
		}
	})
}

// FuzzCompletionOutput: whatever names the runtime has, each completion
// line is one candidate a shell can take literally: a word of characters
// no shell interprets, then an escaped one-line description.
func FuzzCompletionOutput(f *testing.F) {
	f.Add("nginx", "shop/web (ready)")
	f.Add("$(touch /tmp/pwned)", "x")
	f.Add("a;b", "desc\nctr: forged\x1b]52;c;x\a")
	f.Add("~root", "\u202e")
	f.Add("c1:x", "")
	f.Fuzz(func(t *testing.T, word, desc string) {
		var out bytes.Buffer
		completion.WriteCandidates(&out, []completion.Candidate{{Word: word, Desc: desc}, {Word: "safe", Desc: desc}})
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) > 2 {
			t.Fatalf("%d lines for 2 candidates: %q", len(lines), out.String())
		}
		for _, l := range lines {
			w, d, _ := strings.Cut(l, ":")
			if !completion.SafeWord(w) {
				t.Fatalf("unsafe word offered: %q", l)
			}
			if strings.ContainsAny(d, "\x1b\a\r\n\u202e\u009b") {
				t.Fatalf("description not escaped: %q", l)
			}
		}
	})
}
