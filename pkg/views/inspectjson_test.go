package views

import (
	"bytes"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// TestInspectEncodedEarlySameBytes: items encoded by the fan-out workers
// (Encode) print the same bytes as items encoded at print time, in every
// document format, one item or several.
func TestInspectEncodedEarlySameBytes(t *testing.T) {
	t.Parallel()
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
	for _, format := range []string{printer.JSON, printer.YAML, printer.GoTemplate + "={{json .}} {{printf \"%v\" .}}"} {
		p, err := printer.New(format, printer.ObjectFormats, printer.Options{})
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
