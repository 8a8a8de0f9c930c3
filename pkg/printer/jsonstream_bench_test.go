package printer

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

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
	for b.Loop() {
		w := bufio.NewWriter(io.Discard)
		if err := writeJSON(w, doc); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}

// BenchmarkPsTable10k is ps -a's table at 10,000 containers.
func BenchmarkPsTable10k(b *testing.B) {
	var l runtime.ContainerList
	for _, c := range benchContainers(10000).Containers {
		l.Items = append(l.Items, runtime.Container{Container: c, PodName: c.Labels["io.kubernetes.pod.name"], PodNamespace: "ns"})
	}
	now := time.Unix(20000, 0)
	b.ReportAllocs()
	for b.Loop() {
		w := bufio.NewWriterSize(io.Discard, 64<<10)
		if err := renderTable(w, Containers(&l, now), false, false, false); err != nil {
			b.Fatal(err)
		}
		w.Flush()
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
	doc := containersDoc(&l)
	b.ReportAllocs()
	for b.Loop() {
		w := bufio.NewWriter(io.Discard)
		if err := writeJSON(w, doc); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}
