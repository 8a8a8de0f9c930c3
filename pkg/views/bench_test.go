package views

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func benchContainers(n int) *runtimeapi.ListContainersResponse {
	var cs []*runtimeapi.Container
	for i := range n {
		cs = append(cs, &runtimeapi.Container{
			Id: fmt.Sprintf("%064x", i), PodSandboxId: fmt.Sprintf("%064x", i/20),
			Metadata: &runtimeapi.ContainerMetadata{Name: fmt.Sprint("app-", i), Attempt: uint32(i % 4)},
			Image:    &runtimeapi.ImageSpec{Image: "registry.example.com/team/service:v1.2.3"}, ImageRef: fmt.Sprintf("sha256:%064x", i%50),
			State: runtimeapi.ContainerState(i % 3), CreatedAt: int64(i) * 1e9,
			Labels: map[string]string{"io.kubernetes.pod.name": fmt.Sprint("pod-", i), "io.kubernetes.pod.namespace": "ns", "io.kubernetes.pod.uid": fmt.Sprintf("%08x-1b2c-4d5e-8f90-%012x", i, i), "io.kubernetes.container.name": fmt.Sprint("app-", i), "app.kubernetes.io/name": "bench", "pod-template-hash": "7d4b9c8f6d"},
		})
	}
	return &runtimeapi.ListContainersResponse{Containers: cs}
}

// BenchmarkJSONList10k is ps -a -o json's encoding at 10,000 containers.
func BenchmarkJSONList10k(b *testing.B) {
	doc := benchContainers(10000)
	b.ReportAllocs()
	p, err := printer.New(printer.JSON, printer.ListFormats, printer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := p.Print(io.Discard, &printer.Resource{Doc: doc}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPsTable10k is ps -a's table at 10,000 containers.
func BenchmarkPsTable10k(b *testing.B) {
	var l runtime.ContainerList
	for _, c := range benchContainers(10000).Containers {
		l.Items = append(l.Items, runtime.Container{Container: c, PodName: c.Labels["io.kubernetes.pod.name"], PodNamespace: "ns"})
	}
	now := time.Unix(20000, 0)
	p, err := printer.New(printer.Table, printer.ListFormats, printer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Print(io.Discard, Containers(&l, now)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWireJSONList10k is ps -a -o json's encoding at 10,000 containers
// from their wire encodings (what ps lists now), beside BenchmarkJSONList10k.
func BenchmarkWireJSONList10k(b *testing.B) {
	var l runtime.ContainerList
	for _, c := range benchContainers(10000).Containers {
		w, err := proto.Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		l.Items = append(l.Items, runtime.Container{Container: c, Wire: string(w)})
	}
	doc, ok := containersDoc(&l).(*WireList)
	if !ok {
		b.Fatal("the document is not written from the encodings")
	}
	b.ReportAllocs()
	for b.Loop() {
		w := bufio.NewWriter(io.Discard)
		if err := doc.WriteJSON(w); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}
