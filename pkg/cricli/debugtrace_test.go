package cricli

import (
	"strings"
	"testing"
)

// TestDebugTraceShowsListedContainers (finding #11): -D printed
// ListContainers as `response={}`, since the table's summary decode is not a
// proto message. The trace line now names every container listed, and the
// output is the same with and without -D.
func TestDebugTraceShowsListedContainers(t *testing.T) {
	s := node(t)
	for _, c := range []struct {
		args []string
		ids  []string
	}{
		{[]string{"ps"}, []string{ctrW, ctrY}},
		{[]string{"ps", "-a"}, []string{ctrW, ctrX, ctrY}},
		{[]string{"ps", "-a", "-o", "json"}, []string{ctrW, ctrX, ctrY}},
		{[]string{"ps", "-a", "-o", "yaml"}, []string{ctrW, ctrX, ctrY}},
	} {
		plain := ctr(t, s.Endpoint, append([]string{"cri"}, c.args...)...)
		r := ctr(t, s.Endpoint, append([]string{"cri", "-D"}, c.args...)...)
		if r.code != 0 || plain.code != 0 {
			t.Fatalf("%v: exit %d/%d: %s", c.args, r.code, plain.code, r.stderr)
		}
		if r.stdout != plain.stdout {
			t.Errorf("%v: -D changed the output:\n%s\nwithout -D:\n%s", c.args, r.stdout, plain.stdout)
		}
		var line string
		for _, l := range strings.Split(r.stderr, "\n") {
			if strings.Contains(l, "/ListContainers ") {
				line = l
			}
		}
		if line == "" || strings.Contains(line, "response={}") {
			t.Fatalf("%v: ListContainers trace %q", c.args, line)
		}
		for _, id := range c.ids {
			if !strings.Contains(line, id) {
				t.Errorf("%v: the trace does not name container %s: %q", c.args, id, line)
			}
		}
	}
}

// TestPsDocumentWithClientSideSelector: ps -o json writes from the
// containers' encodings, but a selector the runtime cannot apply (k!=v, k)
// needs the labels decoded: both together keep the document whole.
func TestPsDocumentWithClientSideSelector(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "ps", "-a", "-o", "json", "--label", "tier")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, ctrW) || strings.Contains(r.stdout, ctrX) || !strings.Contains(r.stdout, `"tier": "front"`) {
		t.Errorf("ps -a -o json --label tier:\n%s", r.stdout)
	}
}
