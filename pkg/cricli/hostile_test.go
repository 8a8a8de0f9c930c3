package cricli

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// hostileText is what a compromised runtime, registry or config file might
// send: a screen clear, an OSC 52 clipboard write, a newline forging a second
// "ctr:" line and a bidi override.
const hostileText = "boom\x1b[2J\x1b]52;c;cHduZWQ=\a\nctr: SECOND LINE \u202eevil"

// oneEscapedLine fails unless stderr is exactly one line with nothing a
// terminal would interpret.
func oneEscapedLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	if strings.ContainsAny(stderr, "\x1b\a\r\u202e\u2066\u200b\u009b") {
		t.Errorf("stderr carries raw control, bidi or format characters: %q", stderr)
	}
}

// F6: a runtime's error text reaches the terminal escaped, on one line.
func TestRuntimeErrorTextIsOneEscapedLine(t *testing.T) {
	s := node(t)
	s.RuntimeService.InjectError("ListContainers", errors.New(hostileText))
	r := ctr(t, s.Endpoint, "cri", "ps").fails(t, 1, `boom\x1b[2J\x1b]52;c;cHduZWQ=\x07\x0actr: SECOND LINE \u202eevil`)
	oneEscapedLine(t, r.stderr)
	s.ImageService.InjectError("PullImage", errors.New(hostileText))
	r = ctr(t, s.Endpoint, "cri", "pull", "busybox").fails(t, 1, `\x1b]52`)
	oneEscapedLine(t, r.stderr)
}

// F8: ambiguity errors list candidates whose names come from the runtime.
func TestAmbiguousHostileNamesAreEscaped(t *testing.T) {
	s := runtimetest.New(t)
	s.SetPods(
		runtimetest.Pod{ID: podA, Name: "line1\nline2\x1b[2J", Namespace: "ns1", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Hour)},
		runtimetest.Pod{ID: podB, Name: "line1\nline2\x1b[2J", Namespace: "ns2", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Hour)},
	)
	r := ctr(t, s.Endpoint, "cri", "inspectp", "line1\nline2\x1b[2J").fails(t, 1, `line1\x0aline2\x1b[2J`)
	oneEscapedLine(t, r.stderr)
}

// F11: one object with a C1 character must not make -o yaml fail; the
// document keeps the exact value as a YAML escape.
func TestYAMLCarriesC1Characters(t *testing.T) {
	s := runtimetest.New(t)
	s.SetPods(runtimetest.Pod{ID: podA, Name: "c1\u009b31mred\x7f", Namespace: "ns", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Hour)})
	r := ctr(t, s.Endpoint, "cri", "pods", "-o", "yaml").ok(t)
	if !strings.Contains(r.stdout, `name: "c1\x9B31mred\x7F"`) {
		t.Errorf("yaml does not carry the escaped name:\n%s", r.stdout)
	}
	if strings.ContainsRune(r.stdout, 0x9b) {
		t.Errorf("yaml carries a raw C1 character")
	}
}

// F15: bidi overrides, isolates and zero-width characters are escaped in
// tables, so a name shows as written.
func TestTablesEscapeBidiAndFormatCharacters(t *testing.T) {
	s := runtimetest.New(t)
	s.SetPods(runtimetest.Pod{ID: podA, Name: "abc\u202edcba", Namespace: "x\u2066y\u2069\u200bz", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Hour)})
	r := ctr(t, s.Endpoint, "cri", "pods").ok(t)
	for _, want := range []string{`abc\u202edcba`, `x\u2066y\u2069\u200bz`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %s:\n%s", want, r.stdout)
		}
	}
	if strings.ContainsAny(r.stdout, "\u202e\u2066\u2069\u200b") {
		t.Errorf("table carries raw bidi/format characters: %q", r.stdout)
	}
}

// F18: a config file's unknown key and a multi-line scalar are echoed on one
// escaped line.
func TestConfigErrorsEchoKeysEscaped(t *testing.T) {
	s := runtimetest.New(t)
	bad := file(t, "esc-key.yaml", "metadata: {name: a, namespace: b}\n\"bad\\e[2J\\e]52;c;cHduZWQ=\\akey\\nline2\": 1\n")
	r := ctr(t, s.Endpoint, "cri", "runp", bad).fails(t, 2, `bad\x1b[2J\x1b]52;c;cHduZWQ=\x07key\x0aline2`)
	oneEscapedLine(t, r.stderr)
	scalar := file(t, "scalar.yaml", "0\r\r0")
	r = ctr(t, s.Endpoint, "cri", "runp", scalar).fails(t, 2)
	oneEscapedLine(t, r.stderr)
}

// F6: port-forward reports a connection's failure, whose text comes from
// the streaming server, as one escaped "ctr:" line.
func TestPortForwardErrorsAreOneEscapedLine(t *testing.T) {
	var b strings.Builder
	w := termui.NewMessageWriter(&b, &sync.Mutex{}, "ctr: ")
	fmt.Fprintf(w, "port-forward: error forwarding local %d -> remote %d: %v\n", 8080, 80, errors.New(hostileText))
	oneEscapedLine(t, b.String())
	if !strings.HasPrefix(b.String(), "ctr: port-forward: error forwarding local 8080 -> remote 80: boom\\x1b[2J") {
		t.Errorf("got %q", b.String())
	}
}
