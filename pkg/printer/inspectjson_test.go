package printer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestInspectEncodedEarlySameBytes: items encoded by the fan-out workers
// (Encode) print the same bytes as items encoded at print time, in every
// document format, one item or several.
func TestInspectEncodedEarlySameBytes(t *testing.T) {
	now := time.Unix(1700000000, 0)
	items := func(encode bool) []*Inspected {
		var out []*Inspected
		for i := range 3 {
			it := InspectContainer(&runtimeapi.ContainerStatusResponse{
				Status: &runtimeapi.ContainerStatus{Id: pick(i) + "<&>", State: runtimeapi.ContainerState(i), CreatedAt: int64(i) * 1e9,
					Labels: map[string]string{"a": pick(i + 1)}},
				Info: map[string]string{"info": `{"pid": 42, "html": "<b>&amp;</b>", "z": [1, 2.5, "\u2028"], "e": {}, "l": [], "n": [[{}], {"k": [{"x": null}]}]}`, "plain": `"quoted"`, "bad": "{not json"},
			}, now)
			if encode {
				if err := it.Encode(); err != nil {
					t.Fatal(err)
				}
			}
			out = append(out, it)
		}
		return out
	}
	for _, format := range []string{JSON, YAML, GoTemplate + "={{json .}} {{printf \"%v\" .}}"} {
		p, err := New(format, ObjectFormats, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 3} {
			var late, early bytes.Buffer
			if err := p.Print(&late, Inspect(items(false)[:n])); err != nil {
				t.Fatal(err)
			}
			if err := p.Print(&early, Inspect(items(true)[:n])); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(early.Bytes(), late.Bytes()) {
				t.Errorf("-o %s, %d items: encoded early\n%s\nat print time\n%s", format, n, early.Bytes(), late.Bytes())
			}
		}
	}
}

// The encoded documents are indented straight into the output: the same
// bytes as marshalling the whole array, for any JSON a runtime's info holds.
func TestEncodedDocumentsIndentLikeMarshalJSON(t *testing.T) {
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
