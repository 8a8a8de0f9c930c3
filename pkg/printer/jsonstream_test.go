package printer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// hostile strings that JSON must escape, or that an encoder could mangle.
var hostile = []string{
	"plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\r",
	"\x00\x01\x1b[31mred\x1b[0m\x7f", "line\u2028sep\u2029par", "ünïcødé 日本語 🐳", "",
}

func pick(i int) string { return hostile[i%len(hostile)] }

// TestJSONStreamSameBytesAsWholeDocument: -o json of the list responses,
// written item by item, is byte for byte the document encoded whole.
func TestJSONStreamSameBytesAsWholeDocument(t *testing.T) {
	t.Parallel()
	const n = 3000
	var ctrs []*runtimeapi.Container
	var pods []*runtimeapi.PodSandbox
	var imgs []*runtimeapi.Image
	for i := range n {
		labels := map[string]string{"app": pick(i), pick(i+1) + "key": pick(i + 2), "n": fmt.Sprint(i)}
		ctrs = append(ctrs, &runtimeapi.Container{
			Id: fmt.Sprintf("%064x", i), PodSandboxId: fmt.Sprintf("%064x", i/3),
			Metadata:  &runtimeapi.ContainerMetadata{Name: pick(i) + fmt.Sprint(i), Attempt: uint32(i % 4)},
			Image:     &runtimeapi.ImageSpec{Image: "reg.example/" + pick(i+3)},
			ImageRef:  fmt.Sprintf("sha256:%064x", i%50),
			State:     runtimeapi.ContainerState(i % 4),
			CreatedAt: int64(i) * 1e9, Labels: labels, Annotations: map[string]string{"a": pick(i + 4)},
		})
		pods = append(pods, &runtimeapi.PodSandbox{
			Id:        fmt.Sprintf("%064x", i),
			Metadata:  &runtimeapi.PodSandboxMetadata{Name: pick(i), Namespace: pick(i + 5), Uid: fmt.Sprint(i), Attempt: uint32(i % 2)},
			State:     runtimeapi.PodSandboxState(i % 2),
			CreatedAt: -int64(i), Labels: labels, RuntimeHandler: pick(i + 6),
		})
		img := &runtimeapi.Image{Id: fmt.Sprintf("sha256:%064x", i), Size: uint64(i) << 20, Pinned: i%7 == 0}
		if i%5 != 0 {
			img.RepoTags = []string{"reg.example/" + pick(i) + ":v1"}
			img.RepoDigests = []string{"reg.example/x@sha256:" + fmt.Sprintf("%064x", i)}
		}
		if i%3 == 0 {
			img.Uid = &runtimeapi.Int64Value{Value: int64(i)}
		}
		imgs = append(imgs, img)
	}
	docs := map[string]proto.Message{
		"containers":       &runtimeapi.ListContainersResponse{Containers: ctrs},
		"pods":             &runtimeapi.ListPodSandboxResponse{Items: pods},
		"images":           &runtimeapi.ListImagesResponse{Images: imgs},
		"one container":    &runtimeapi.ListContainersResponse{Containers: ctrs[:1]},
		"no images":        &runtimeapi.ListImagesResponse{},
		"empty list items": &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{{}, {}}},
		// Not a list response: written whole.
		"status": &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: pick(1)}, Info: map[string]string{"info": pick(4)}},
	}
	p, err := New(JSON, ListFormats, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range docs {
		whole, err := MarshalJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		whole = append(whole, '\n')
		var got bytes.Buffer
		if err := p.Print(&got, &Resource{Doc: doc}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), whole) {
			at := 0
			for at < min(got.Len(), len(whole)) && got.Bytes()[at] == whole[at] {
				at++
			}
			t.Errorf("%s: streamed JSON differs from the whole document at byte %d (got %d bytes, want %d)\ngot:  %q\nwant: %q",
				name, at, got.Len(), len(whole), got.Bytes()[max(0, at-40):min(got.Len(), at+40)], whole[max(0, at-40):min(len(whole), at+40)])
		}
	}
}

// TestJSONStreamIgnoresProtojsonWhitespace: protojson puts a space after
// some separators in some builds, on purpose; an item indents to the same
// bytes with or without it, as the compacted whole document does.
func TestJSONStreamIgnoresProtojsonWhitespace(t *testing.T) {
	t.Parallel()
	tight := []byte(`{"id":"a, b: c","labels":{"k":"v \u2028 \"x\""},"n":[1,2],"e":{}}`)
	loose := []byte(`{"id": "a, b: c",  "labels": {"k":  "v \u2028 \"x\""}, "n": [1, 2], "e": {}} ` + "\n")
	var a, b bytes.Buffer
	if err := indentItem(&a, tight); err != nil {
		t.Fatal(err)
	}
	if err := indentItem(&b, loose); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("whitespace changed the item:\n%s\nvs\n%s", a.String(), b.String())
	}
	want := "{\n      \"id\": \"a, b: c\",\n      \"labels\": {\n        \"k\": \"v \\u2028 \\\"x\\\"\"\n      },\n      \"n\": [\n        1,\n        2\n      ],\n      \"e\": {}\n    }"
	if a.String() != want {
		t.Errorf("item indented as\n%s\nwant\n%s", a.String(), want)
	}
}

// The encoded documents are indented straight into the output: the same
// bytes as marshalling the whole array, for any JSON a runtime's info holds.
func TestEncodedDocumentsIndentLikeMarshalJSON(t *testing.T) {
	t.Parallel()
	docs := []string{`{}`, `[]`, `{"a":{"b":[1,{"c":[]}],"d":{}},"e":"\u003c\u2028"}`, `"s"`, `[[[]],{}]`, `{"k":null,"t":true,"n":-1.5e+10}`}
	for n := 1; n <= len(docs); n++ {
		arr := make([]any, n)
		for i := range n {
			arr[i] = json.RawMessage(docs[i])
		}
		for _, doc := range []any{arr, json.RawMessage(docs[n-1])} {
			want, err := MarshalJSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			w := bufio.NewWriter(&got)
			if done, err := writeEncodedJSON(w, doc); !done || err != nil {
				t.Fatalf("%v: done %v, err %v", doc, done, err)
			}
			w.Flush()
			if got.String() != string(want)+"\n" {
				t.Errorf("%s:\ngot  %q\nwant %q", docs[:n], got.String(), string(want)+"\n")
			}
		}
	}
}
