package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// TestInspectInfoAtTopLevel pins crictl's inspect shape: containerd's
// verbose info is the "info" key beside "status", so .info.pid works.
func TestInspectInfoAtTopLevel(t *testing.T) {
	t.Parallel()
	for name, it := range map[string]*Inspected{
		"container": InspectContainer(&runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: "c"}, Info: map[string]string{"info": `{"pid":4242,"sandboxID":"p"}`}}, time.Now()),
		"pod":       InspectPod(&runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{Id: "p"}, Info: map[string]string{"info": `{"pid":4242}`}}, time.Now()),
		"image":     InspectImage(&runtimeapi.ImageStatusResponse{Image: &runtimeapi.Image{Id: "i"}, Info: map[string]string{"info": `{"pid":4242}`}}),
	} {
		var b strings.Builder
		p, _ := printer.New("go-template={{.info.pid}}", printer.ObjectFormats, printer.Options{})
		if err := p.Print(&b, Inspect([]*Inspected{it})); err != nil || b.String() != "4242\n" {
			t.Errorf("%s: {{.info.pid}} = %q, %v", name, b.String(), err)
		}
	}
}

// TestInfoFeaturesAreCrictlSnakeCase pins crictl info's encoding of
// runtimeHandlers and features: Go json tags, zero values left out.
func TestInfoFeaturesAreCrictlSnakeCase(t *testing.T) {
	t.Parallel()
	r, err := Info(&runtimeapi.StatusResponse{
		Status:          &runtimeapi.RuntimeStatus{},
		RuntimeHandlers: []*runtimeapi.RuntimeHandler{{Features: &runtimeapi.RuntimeHandlerFeatures{RecursiveReadOnlyMounts: true, UserNamespaces: true}}},
		Features:        &runtimeapi.RuntimeFeatures{SupplementalGroupsPolicy: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := printer.MarshalJSON(r.Doc)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		RuntimeHandlers []map[string]any `json:"runtimeHandlers"`
		Features        map[string]any   `json:"features"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	h := doc.RuntimeHandlers[0]
	if _, named := h["name"]; named || len(h) != 1 {
		t.Errorf("handler with an empty name: want only features, got %v", h)
	}
	if f := h["features"].(map[string]any); f["recursive_read_only_mounts"] != true || f["user_namespaces"] != true {
		t.Errorf("handler features: %v", f)
	}
	if len(doc.Features) != 1 || doc.Features["supplemental_groups_policy"] != true {
		t.Errorf("features: %v", doc.Features)
	}
}

// TestDocumentBytesAsCrictl pins two byte-level habits of crictl that
// diffs see: handler keys sorted, and a blank line after a YAML document.
func TestDocumentBytesAsCrictl(t *testing.T) {
	t.Parallel()
	r, err := Info(&runtimeapi.StatusResponse{RuntimeHandlers: []*runtimeapi.RuntimeHandler{{Name: "runc", Features: &runtimeapi.RuntimeHandlerFeatures{UserNamespaces: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := printer.MarshalJSON(r.Doc)
	if f, n := strings.Index(string(b), `"features"`), strings.Index(string(b), `"name": "runc"`); f < 0 || n < f {
		t.Errorf("handler keys not sorted (features before name):\n%s", b)
	}
	var out strings.Builder
	p, _ := printer.New(printer.YAML, printer.DocFormats, printer.Options{})
	if err := p.Print(&out, r); err != nil || !strings.HasSuffix(out.String(), "\n\n") {
		t.Errorf("yaml does not end with crictl's blank line: %q, %v", out.String(), err)
	}
}

// TestUnsetStatusFieldsAreNull: containerd 1.7 sets no ContainerStatus.user
// and a host-network pod has no network status; crictl writes such fields as
// null (it writes the status field by field from the Go struct), so
// `jq .status.user` reads null from both, never a missing key. Images are
// plain protojson in crictl and keep leaving unset fields out.
func TestUnsetStatusFieldsAreNull(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		it     *Inspected
		nulls  []string
		absent []string
	}{
		{"container", InspectContainer(&runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: "c", State: runtimeapi.ContainerState_CONTAINER_RUNNING}}, time.Now()),
			[]string{"user", "resources", "image", "metadata"}, nil},
		{"pod", InspectPod(&runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{Id: "p"}}, time.Now()),
			[]string{"network", "linux", "metadata"}, nil},
		{"image", InspectImage(&runtimeapi.ImageStatusResponse{Image: &runtimeapi.Image{Id: "i"}}),
			nil, []string{"spec", "uid"}},
	} {
		var b strings.Builder
		p, _ := printer.New("json", printer.ObjectFormats, printer.Options{})
		if err := p.Print(&b, Inspect([]*Inspected{c.it})); err != nil {
			t.Fatal(err)
		}
		var doc struct{ Status map[string]json.RawMessage }
		if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, b.String())
		}
		for _, k := range c.nulls {
			if v, ok := doc.Status[k]; !ok || string(v) != "null" {
				t.Errorf("%s: .status.%s = %q (present %v), crictl writes null", c.name, k, v, ok)
			}
		}
		for _, k := range c.absent {
			if v, ok := doc.Status[k]; ok {
				t.Errorf("%s: .status.%s = %s, crictl leaves it out", c.name, k, v)
			}
		}
	}
}

func TestInspectOneIsObjectManyIsArray(t *testing.T) {
	t.Parallel()
	st := func(id string) *Inspected {
		return InspectContainer(&runtimeapi.ContainerStatusResponse{
			Status: &runtimeapi.ContainerStatus{Id: id},
			Info:   map[string]string{"info": `{"pid": 42}`, "plain": `"text"`},
		}, time.Now())
	}
	one, _ := printer.MarshalJSON(Inspect([]*Inspected{st("a")}).Doc)
	// crictl's shape: the runtime's info keys sit beside status (.info.pid).
	if !bytes.HasPrefix(one, []byte("{\n  \"info\": {\n    \"pid\": 42\n  },\n  \"plain\": \"text\",\n  \"status\": {")) {
		t.Errorf("one:\n%s", one)
	}
	many, _ := printer.MarshalJSON(Inspect([]*Inspected{st("a"), st("b")}).Doc)
	if !bytes.HasPrefix(many, []byte("[\n")) {
		t.Errorf("many:\n%s", many)
	}
}

func TestInspectWideShowsTheInfoReadably(t *testing.T) {
	t.Parallel()
	r := &runtimeapi.ContainerStatusResponse{
		Status: &runtimeapi.ContainerStatus{Id: "c1", Metadata: &runtimeapi.ContainerMetadata{Name: "app"}, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		Info:   map[string]string{"info": `{"pid":42,"sandboxID":"p1"}`},
	}
	print := func(format string) string {
		p, err := printer.New(format, printer.ObjectFormats, printer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := p.Print(&b, Inspect([]*Inspected{InspectContainer(r, time.Unix(0, 0))})); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	table, wide := print(printer.Table), print(printer.Wide)
	fields, _, _ := strings.Cut(table, "Info:")
	if !strings.HasPrefix(wide, fields) || !strings.Contains(table, "Info: map[info:") {
		t.Errorf("table keeps crictl's one-line info, wide the same fields first:\n%s\n---\n%s", table, wide)
	}
	if !strings.Contains(wide, "Info:\n  {\n    \"info\": {\n      \"pid\": 42,") {
		t.Errorf("wide shows the info as indented JSON:\n%s", wide)
	}
}
