package printer

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":       "plain",
		"ünïcode ok":  "ünïcode ok",
		"esc\x1b[2Jx": `esc\x1b[2Jx`,
		"bell\a":      `bell\x07`,
		"tab\tnl\n":   `tab\x09nl\x0a`,
		"c1\u009bcsi": `c1\x9bcsi`,
		"bad\xffutf8": `bad\xffutf8`,
		"del\x7f":     `del\x7f`,
		"mixed ü\x1b": `mixed ü\x1b`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRejectsUnknownFormatsWithTheAllowedList(t *testing.T) {
	t.Parallel()
	_, err := New("xml", ListFormats, Options{})
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "table, wide, json, yaml") {
		t.Fatalf("got %v", err)
	}
	if _, err := New("table=x", ListFormats, Options{}); err == nil {
		t.Error("table takes no argument")
	}
	if _, err := New("go-template", ListFormats, Options{}); err == nil {
		t.Error("go-template without a template must fail")
	}
	if _, err := New("custom-columns=NOCOLON", ListFormats, Options{}); err == nil {
		t.Error("custom-columns needs HEADER:EXPR")
	}
}

func TestJSONIsDeterministicAndYAMLIsTheSameDocument(t *testing.T) {
	t.Parallel()
	doc := &runtimeapi.ListPodSandboxResponse{Items: []*runtimeapi.PodSandbox{{
		Id: "p", Labels: map[string]string{"z": "1", "a": "2", "m": "3"}, CreatedAt: 5,
	}}}
	first, err := MarshalJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := MarshalJSON(doc)
		if !bytes.Equal(first, again) {
			t.Fatal("protojson whitespace leaked into output")
		}
	}
	if !bytes.Contains(first, []byte(`"a": "2",`+"\n"+`        "m": "3"`)) {
		t.Errorf("labels not sorted / indented:\n%s", first)
	}
	if !bytes.Contains(first, []byte(`"createdAt": "5"`)) {
		t.Errorf("int64 must be a string as in crictl:\n%s", first)
	}
	y, _ := MarshalYAML(doc)
	if !bytes.Contains(y, []byte("createdAt: \"5\"")) {
		t.Errorf("yaml: %s", y)
	}
}

func TestTableTruncatesIDsAndShowsWideColumnsOnlyInWide(t *testing.T) {
	t.Parallel()
	r := &Resource{
		Columns: []Column{{Header: "ID", ID: true}, {Header: "NAME"}, {Header: "EXTRA", Wide: true}},
		Rows: func(emit func(...string)) {
			emit("sha256:0123456789abcdef0123", "n", "x")
			emit("short", "", "y")
		},
	}
	var b bytes.Buffer
	p, _ := New(Table, ListFormats, Options{})
	p.Print(&b, r)
	if b.String() != "ID              NAME\n0123456789abc   n\nshort           <none>\n" {
		t.Errorf("table:\n%q", b.String())
	}
	b.Reset()
	p, _ = New(Wide, ListFormats, Options{NoTrunc: true})
	p.Print(&b, r)
	if !strings.Contains(b.String(), "sha256:0123456789abcdef0123") || !strings.Contains(b.String(), "EXTRA") {
		t.Errorf("wide no-trunc:\n%s", b.String())
	}
}

func TestAgeAndSize(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := Age(now, now.Add(-3*time.Minute).UnixNano()); got != "3 minutes ago" {
		t.Errorf("Age = %q", got)
	}
	if got := Age(now, 0); got != "-" {
		t.Errorf("zero time = %q", got)
	}
	if got := Size(4_500_000); got != "4.5MB" {
		t.Errorf("Size = %q", got)
	}
}

// TestYAMLLineSeparatorInKey: a label key holding U+2028 (a line break to
// YAML) made -o yaml of the whole listing fail.
func TestYAMLLineSeparatorInKey(t *testing.T) {
	t.Parallel()
	b, err := MarshalYAML(&runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{{
		Id: "c1", Labels: map[string]string{"a\u2028b": "v\u2029"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Containers []struct{ Labels map[string]string }
	}
	if err := yaml.Unmarshal(b, &back); err != nil || len(back.Containers) != 1 || back.Containers[0].Labels["a\u2028b"] != "v\u2029" {
		t.Fatalf("the label does not read back (%v):\n%s", err, b)
	}
}
