package fleet_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/fleet"
	gen "github.com/ctrcri/ctrcri/test/fleet"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// rep is a minimal v1 report of one node.
func rep(name string, at time.Time, healthy bool, problems ...string) string {
	var ps []string
	for _, p := range problems {
		sev, msg, _ := strings.Cut(p, ":")
		ps = append(ps, fmt.Sprintf(`{"severity":%q,"check":"container","object":"shop/web/job","message":%q}`, sev, msg))
	}
	return fmt.Sprintf(`{"apiVersion":"ctrcri.diagnose/v1","kind":"NodeDiagnosis","time":%q,"node":{"name":%q,"nameFrom":"env"},"healthy":%v,"problems":[%s],"versions":{"containerd":"v2.4.2","runc":"1.4.3","criAPIVersion":"v1"}}`,
		at.Format(time.RFC3339), name, healthy, strings.Join(ps, ","))
}

func merge(t *testing.T, o fleet.Options, inputs ...string) *fleet.View {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = now
	}
	m := fleet.New(o)
	for i, in := range inputs {
		if err := m.Read(fmt.Sprintf("in%d", i), strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
	}
	return m.View()
}

func errorsOf(v *fleet.View) []string {
	var out []string
	for _, e := range v.Errors {
		out = append(out, e.Source+": "+e.Message)
	}
	return out
}

func nodeNames(v *fleet.View) []string {
	var out []string
	for _, n := range v.Nodes {
		out = append(out, n.Name)
	}
	return out
}

// NDJSON, indented JSON and concatenated objects all read the same.
func TestMergeReadsEveryJSONLayout(t *testing.T) {
	t.Parallel()
	a, b, c := rep("a", now, true), rep("b", now, true), rep("c", now, true)
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(b), "", "  "); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"ndjson":       a + "\n" + b + "\n" + c + "\n",
		"indented":     a + "\n" + indented.String() + "\n" + c,
		"concatenated": a + b + "\n\n" + c,
		"crlf":         a + "\r\n" + b + "\r\n" + c + "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			v := merge(t, fleet.Options{}, in)
			if got := nodeNames(v); !slices.Equal(got, []string{"a", "b", "c"}) || len(v.Errors) != 0 || !v.Healthy {
				t.Errorf("nodes %v, errors %v, healthy %v", got, errorsOf(v), v.Healthy)
			}
		})
	}
}

// kubectl logs --prefix tags every line with its pod; indented reports of
// two pods interleaved line by line are put back together per pod.
func TestMergeReassemblesInterleavedPrefixedLines(t *testing.T) {
	t.Parallel()
	var x, y bytes.Buffer
	if err := json.Indent(&x, []byte(rep("node-x", now, true)), "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&y, []byte(rep("node-y", now, false, "error:exited with code 3 (Error)")), "", "  "); err != nil {
		t.Fatal(err)
	}
	xl, yl := strings.Split(x.String(), "\n"), strings.Split(y.String(), "\n")
	var in strings.Builder
	for i := range max(len(xl), len(yl)) {
		if i < len(xl) {
			fmt.Fprintf(&in, "[pod/ctr-cri-diagnose-abcde/diagnose] %s\n", xl[i])
		}
		if i < len(yl) {
			fmt.Fprintf(&in, "[pod/ctr-cri-diagnose-fghij/diagnose] %s\n", yl[i])
		}
	}
	v := merge(t, fleet.Options{}, in.String())
	if got := nodeNames(v); !slices.Equal(got, []string{"node-y", "node-x"}) || len(v.Errors) != 0 {
		t.Fatalf("nodes %v errors %v", got, errorsOf(v))
	}
	if v.Healthy || v.Summary.Unhealthy != 1 {
		t.Errorf("summary %+v", v.Summary)
	}
}

// A cut line is an error naming its file and line; the reports around it
// are still merged.
func TestMergeTruncatedLineNamesFileAndLineAndKeepsTheOthers(t *testing.T) {
	t.Parallel()
	a, b := rep("a", now, true), rep("b", now, true)
	in := a + "\n" + b[:len(b)/2] + "\n" + rep("c", now, true) + "\n" + "Error from server: not found\n" + b[:40]
	v := merge(t, fleet.Options{}, in)
	if got := nodeNames(v); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("nodes %v", got)
	}
	want := []string{
		"in0:2: truncated report: the line ends inside it",
		"in0:4: not a report: text outside a JSON object",
		"in0:5: truncated report: the input ends inside it",
	}
	if got := errorsOf(v); !slices.Equal(got, want) {
		t.Errorf("errors\n%q\nwant\n%q", got, want)
	}
	if v.Healthy || v.Summary.Errors != 3 {
		t.Errorf("unreadable input left the fleet healthy: %+v", v.Summary)
	}
}

// An indented report cut short by the next one starting is named by the
// line it began on; a syntax error inside one by its own line.
func TestMergeIndentedReportErrorsCiteTheirLine(t *testing.T) {
	t.Parallel()
	var a bytes.Buffer
	if err := json.Indent(&a, []byte(rep("a", now, true)), "", "  "); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(a.String(), "\n")
	cut := strings.Join(lines[:5], "\n")
	bad := strings.Replace(a.String(), `"kind": "NodeDiagnosis",`, `"kind": NodeDiagnosis,`, 1)
	v := merge(t, fleet.Options{}, cut+"\n"+rep("b", now, true)+"\n"+bad+"\n")
	want := []string{
		"in0:1: truncated report: another report starts at line 6",
		"in0:9: invalid JSON: invalid character 'N' looking for beginning of value",
	}
	if got := errorsOf(v); !slices.Equal(got, want) {
		t.Errorf("errors\n%q\nwant\n%q", got, want)
	}
	if got := nodeNames(v); !slices.Equal(got, []string{"b"}) {
		t.Errorf("nodes %v", got)
	}
}

// A report of another schema version is listed, not merged and not
// dropped silently; the fleet is not called healthy.
func TestMergeTwoSchemaVersions(t *testing.T) {
	t.Parallel()
	v2 := strings.Replace(rep("b", now, true), "ctrcri.diagnose/v1", "ctrcri.diagnose/v2", 1)
	other := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}`
	v := merge(t, fleet.Options{}, rep("a", now, true)+"\n"+v2+"\n"+other+"\n")
	if len(v.UnknownSchema) != 1 || v.UnknownSchema[0] != (fleet.UnknownReport{Source: "in0:2", APIVersion: "ctrcri.diagnose/v2", Node: "b"}) {
		t.Errorf("unknown schema %+v", v.UnknownSchema)
	}
	if got := errorsOf(v); !slices.Equal(got, []string{`in0:3: not a diagnose report (apiVersion "v1", kind "Pod")`}) {
		t.Errorf("errors %q", got)
	}
	if got := nodeNames(v); !slices.Equal(got, []string{"a"}) || v.Healthy {
		t.Errorf("nodes %v healthy %v", got, v.Healthy)
	}
}

// A node that reported twice keeps its newest report, whatever the order,
// and the view says so.
func TestMergeDuplicateNodeKeepsTheNewest(t *testing.T) {
	t.Parallel()
	older := rep("a", now.Add(-time.Hour), false, "error:exited with code 1 (Error)")
	newer := rep("a", now.Add(-time.Minute), true)
	for _, in := range []string{older + "\n" + newer, newer + "\n" + older} {
		v := merge(t, fleet.Options{}, in+"\n")
		if len(v.Nodes) != 1 || !v.Nodes[0].Healthy || !v.Healthy {
			t.Errorf("kept %+v", v.Nodes)
		}
		if len(v.Duplicates) != 1 || v.Duplicates[0].Reports != 2 || v.Summary.Duplicates != 1 {
			t.Errorf("duplicates %+v", v.Duplicates)
		}
	}
}

// bigReader yields a report whose one field is n bytes, without holding it.
type bigReader struct {
	head, tail string
	n          int
}

func (r *bigReader) Read(p []byte) (int, error) {
	switch {
	case r.head != "":
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	case r.n > 0:
		n := min(len(p), r.n)
		copy(p, bytes.Repeat([]byte{'x'}, n))
		r.n -= n
		return n, nil
	case r.tail != "":
		n := copy(p, r.tail)
		r.tail = r.tail[n:]
		return n, nil
	}
	return 0, io.EOF
}

// A 100 MB report is skipped with its size and line, without being held
// in memory; the report after it is merged.
func TestMergeSkipsAHundredMegabyteReport(t *testing.T) {
	t.Parallel()
	a := rep("a", now, true)
	huge := &bigReader{head: "[pod/p-1/c] " + a[:len(a)-1] + `,"junk":"`, n: 100 << 20, tail: "\"}\n" + rep("b", now, true) + "\n"}
	m := fleet.New(fleet.Options{Now: now})
	if err := m.Read("big.ndjson", huge); err != nil {
		t.Fatal(err)
	}
	v := m.View()
	if got := nodeNames(v); !slices.Equal(got, []string{"b"}) {
		t.Errorf("nodes %v", got)
	}
	if len(v.Errors) != 1 || v.Errors[0].Source != "big.ndjson:1" || v.Errors[0].Pod != "pod/p-1" ||
		!strings.Contains(v.Errors[0].Message, "over the limit of 16 MiB: skipped") {
		t.Errorf("errors %+v", v.Errors)
	}
}

// Stale reports and expected nodes without a report make the fleet
// unhealthy even when every report says healthy.
func TestMergeStaleAndMissing(t *testing.T) {
	t.Parallel()
	in := rep("a", now.Add(-3*time.Hour), true) + "\n" + rep("b", now, true) + "\n"
	v := merge(t, fleet.Options{MaxAge: time.Hour, Expected: []string{"a", "b", "c"}}, in)
	if len(v.Stale) != 1 || v.Stale[0].Name != "a" || v.Stale[0].Age != "3h" || !slices.Equal(v.Missing, []string{"c"}) || v.Healthy {
		t.Errorf("stale %+v missing %v healthy %v", v.Stale, v.Missing, v.Healthy)
	}
	if v := merge(t, fleet.Options{MaxAge: 0, Expected: []string{"a", "b"}}, in); !v.Healthy {
		t.Errorf("--max-age 0 still made a report stale: %+v", v.Summary)
	}
}

// Problems group by pattern across nodes; versions show skew.
func TestMergeGroupsGeneratedFleet(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	scen, err := gen.Generate(&buf, gen.Options{N: 300, Seed: 7, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	v := merge(t, fleet.Options{MaxAge: time.Hour}, buf.String())
	wantUnhealthy := 0
	oom := 0
	for _, s := range scen {
		switch s {
		case gen.CrashLoop, gen.OOMKilled, gen.NoNetwork, gen.RuntimeNotOK:
			wantUnhealthy++
		}
		if s == gen.OOMKilled {
			oom++
		}
	}
	if v.Summary.Nodes != 300 || v.Summary.Unhealthy != wantUnhealthy || len(v.Errors) != 0 {
		t.Fatalf("summary %+v, want %d unhealthy; errors %v", v.Summary, wantUnhealthy, errorsOf(v))
	}
	i := slices.IndexFunc(v.Problems, func(g fleet.ProblemGroup) bool { return g.Pattern == "exited with code N (OOMKilled)" })
	if i < 0 || v.Problems[i].Nodes != oom || len(v.Problems[i].Examples) != 3 || scen[v.Problems[i].Examples[0]] != gen.OOMKilled {
		t.Errorf("OOMKilled group %+v (want %d nodes)", v.Problems, oom)
	}
	if c := v.Versions[0]; c.Name != "containerd" || !c.Skew || c.Values[0].Version != "v2.4.2" {
		t.Errorf("containerd versions %+v", c)
	}
}

func TestPattern(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"exited with code 137 (OOMKilled)":                             "exited with code N (OOMKilled)",
		"restarted 6 times, last exit code 1 (Error)":                  "restarted N times, last exit code N (Error)",
		"image filesystem is 91% full":                                 "image filesystem is N% full",
		"log file /var/log/pods/shop_web_1/nginx/0.log does not exist": "log file <path> does not exist",
		`container "3f1a9c2d7e8b4a6c": not found`:                      `container "<id>": not found`,
		"image sha256:abcdef0123456789 missing":                        "image <id> missing",
		"pod is not ready":                                             "pod is not ready",
		"open /run/x.sock: permission denied":                          "open <path>: permission denied",
	} {
		if got := fleet.Pattern(in); got != want {
			t.Errorf("Pattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkMerge10k(b *testing.B) {
	var buf bytes.Buffer
	if _, err := gen.Generate(&buf, gen.Options{N: 10_000, Seed: 1, Now: now}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		m := fleet.New(fleet.Options{Now: now, MaxAge: time.Hour})
		if err := m.Read("bench", bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
		if v := m.View(); v.Summary.Nodes != 10_000 {
			b.Fatalf("%+v", v.Summary)
		}
	}
}
