package printer

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestEscape(t *testing.T) {
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

func TestInspectOneIsObjectManyIsArray(t *testing.T) {
	st := func(id string) *Inspected {
		return InspectContainer(&runtimeapi.ContainerStatusResponse{
			Status: &runtimeapi.ContainerStatus{Id: id},
			Info:   map[string]string{"info": `{"pid": 42}`, "plain": `"text"`},
		}, time.Now())
	}
	one, _ := MarshalJSON(Inspect([]*Inspected{st("a")}).Doc)
	// crictl's shape: the runtime's info keys sit beside status (.info.pid).
	if !bytes.HasPrefix(one, []byte("{\n  \"info\": {\n    \"pid\": 42\n  },\n  \"plain\": \"text\",\n  \"status\": {")) {
		t.Errorf("one:\n%s", one)
	}
	many, _ := MarshalJSON(Inspect([]*Inspected{st("a"), st("b")}).Doc)
	if !bytes.HasPrefix(many, []byte("[\n")) {
		t.Errorf("many:\n%s", many)
	}
}

func TestInspectWideShowsTheInfoReadably(t *testing.T) {
	r := &runtimeapi.ContainerStatusResponse{
		Status: &runtimeapi.ContainerStatus{Id: "c1", Metadata: &runtimeapi.ContainerMetadata{Name: "app"}, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		Info:   map[string]string{"info": `{"pid":42,"sandboxID":"p1"}`},
	}
	print := func(format string) string {
		p, err := New(format, ObjectFormats, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := p.Print(&b, Inspect([]*Inspected{InspectContainer(r, time.Unix(0, 0))})); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	table, wide := print(Table), print(Wide)
	fields, _, _ := strings.Cut(table, "Info:")
	if !strings.HasPrefix(wide, fields) || !strings.Contains(table, "Info: map[info:") {
		t.Errorf("table keeps crictl's one-line info, wide the same fields first:\n%s\n---\n%s", table, wide)
	}
	if !strings.Contains(wide, "Info:\n  {\n    \"info\": {\n      \"pid\": 42,") {
		t.Errorf("wide shows the info as indented JSON:\n%s", wide)
	}
}
