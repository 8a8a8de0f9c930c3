package views

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// TestWireDocumentsSameBytes: ps's documents written from the containers'
// encodings (what ps -o json|yaml|… lists now) are byte for byte those of
// the decoded messages (what it listed before), in every document format.
func TestWireDocumentsSameBytes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 700} {
		var decoded, wire runtime.ContainerList
		for i := range n {
			c := &runtimeapi.Container{
				Id: fmt.Sprintf("%064x", i), PodSandboxId: pick(i + 7),
				Metadata:  &runtimeapi.ContainerMetadata{Name: pick(i) + fmt.Sprint(i), Attempt: uint32(i % 4)},
				Image:     &runtimeapi.ImageSpec{Image: "reg.example/" + pick(i+3), Annotations: map[string]string{pick(i): pick(i + 1)}},
				ImageRef:  fmt.Sprintf("sha256:%064x", i%50),
				State:     runtimeapi.ContainerState(i % 5), // 4 has no name: written as a number
				CreatedAt: int64(i)*1e9 - 5e9,
				Labels:    map[string]string{"app": pick(i), pick(i+1) + "key": pick(i + 2), "z": "", "": pick(i)},
			}
			if i%3 == 0 {
				c.Metadata, c.Image = nil, nil // absent messages are omitted, not written empty
			}
			if i%4 == 0 {
				c.Annotations = map[string]string{"io.kubernetes.container.terminationMessagePath": pick(i + 5)}
			}
			b, err := proto.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			decoded.Items = append(decoded.Items, runtime.Container{Container: c})
			wire.Items = append(wire.Items, runtime.Container{Container: &runtimeapi.Container{Id: c.Id}, Wire: string(b)})
		}
		now := time.Unix(1700000000, 0)
		if _, ok := Containers(&wire, now).Doc.(*WireList); !ok && n > 0 {
			t.Fatalf("%d containers: the document is not written from the encodings", n)
		}
		for _, format := range []string{printer.JSON, printer.YAML, printer.GoTemplate + "={{range .containers}}{{.id}} {{.labels}} {{.createdAt}}{{\"\\n\"}}{{end}}",
			printer.JSONPath + "={.containers[*].metadata.name}", printer.CustomColumns + "=ID:.id,STATE:.state,IMG:.image.image"} {
			p, err := printer.New(format, printer.ListFormats, printer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var want, got bytes.Buffer
			if err := p.Print(&want, Containers(&decoded, now)); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if err := p.Print(&got, Containers(&wire, now)); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				at := 0
				for at < min(got.Len(), want.Len()) && got.Bytes()[at] == want.Bytes()[at] {
					at++
				}
				t.Fatalf("%d containers, -o %s: differs at byte %d:\n got …%q\nwant …%q", n, format, at,
					got.Bytes()[at:min(at+80, got.Len())], want.Bytes()[at:min(at+80, want.Len())])
			}
		}
	}
}
