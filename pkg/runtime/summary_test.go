package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// summaryWords are values a runtime may send, hostile ones included.
var summaryWords = []string{"", "web", labelPodName, labelPodNamespace, "\x1b[31m", "ünï 🐳", "a\u2028b", "\x00", "sha256:ab"}

func randContainer(r *rand.Rand) *runtimeapi.Container {
	w := func() string { return summaryWords[r.IntN(len(summaryWords))] }
	c := &runtimeapi.Container{
		Id: w(), PodSandboxId: w(), ImageRef: w(), ImageId: w(),
		State: runtimeapi.ContainerState(r.IntN(6) - 1), CreatedAt: r.Int64() - r.Int64(),
	}
	if r.IntN(4) > 0 {
		c.Metadata = &runtimeapi.ContainerMetadata{Name: w(), Attempt: r.Uint32()}
	}
	if r.IntN(4) > 0 {
		c.Image = &runtimeapi.ImageSpec{Image: w(), UserSpecifiedImage: w(), Annotations: map[string]string{w(): w()}}
	}
	for range r.IntN(5) {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		c.Labels[w()] = w()
	}
	if r.IntN(2) == 0 {
		c.Annotations = map[string]string{w(): w()}
	}
	return c
}

// mangleContainer sends a container the ways proto allows beside the
// canonical one: fields repeated (the last scalar wins, messages merge, map
// entries add up), unknown fields, known numbers with another wire type.
func mangleContainer(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	tagged := func(num protowire.Number, typ protowire.Type) {
		out = protowire.AppendTag(out, num, typ)
	}
	str := func(num protowire.Number, s string) {
		tagged(num, protowire.BytesType)
		out = protowire.AppendString(out, s)
	}
	msg := func(num protowire.Number, inner []byte) {
		tagged(num, protowire.BytesType)
		out = protowire.AppendBytes(out, inner)
	}
	w := func() string { return summaryWords[r.IntN(len(summaryWords))] }
	for range r.IntN(4) {
		switch r.IntN(7) {
		case 0:
			str(1, w()) // the id again
		case 1: // metadata again, only its attempt: merged with the first
			msg(3, protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), r.Uint64()))
		case 2: // a pod label whose key is followed by a varint under number 1
			e := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), labelPodName)
			e = protowire.AppendString(protowire.AppendTag(e, 2, protowire.BytesType), w())
			e = protowire.AppendVarint(protowire.AppendTag(e, 1, protowire.VarintType), 7)
			e = protowire.AppendFixed32(protowire.AppendTag(e, 2, protowire.Fixed32Type), 7)
			msg(8, e)
		case 3: // the state as bytes: an unknown field
			str(6, "x")
		case 4:
			tagged(7, protowire.VarintType)
			out = protowire.AppendVarint(out, r.Uint64())
		case 5:
			tagged(99, protowire.Fixed64Type)
			out = protowire.AppendFixed64(out, r.Uint64())
		case 6: // the image again with a new name
			msg(4, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), w()))
		}
	}
	return out
}

// checkSummaries decodes a ListContainersResponse b as proto.Unmarshal and
// as the summary codec does (whole, chained, keeping the encodings) and
// compares every field the summary reads.
func checkSummaries(t testing.TB, b []byte) {
	t.Helper()
	var full runtimeapi.ListContainersResponse
	perr := proto.Unmarshal(b, &full)

	wire := containerSummaries{keepWire: true}
	werr := decodeSummaries(b, &wire)
	if (werr == nil) != (perr == nil) {
		t.Fatalf("keeping encodings: decode says %v, proto.Unmarshal %v; input %q", werr, perr, b)
	}
	var sum containerSummaries
	serr := decodeSummaries(b, &sum)
	if perr != nil {
		return // the summary alone may be lenient with what it does not read
	}
	if serr != nil {
		t.Fatalf("summary decode fails where proto.Unmarshal does not: %v; input %q", serr, b)
	}
	var chain mem.BufferSlice
	for i := 0; i < len(b); i += 5 {
		chain = append(chain, mem.SliceBuffer(b[i:min(i+5, len(b))]))
	}
	streamed := containerSummaries{keepWire: true}
	if err := (summaryCodec{}).Unmarshal(chain, &streamed); err != nil {
		t.Fatalf("chained decode: %v", err)
	}
	for name, got := range map[string]containerSummaries{"summary": sum, "with encodings": wire, "chained": streamed} {
		if len(got.items) != len(full.Containers) {
			t.Fatalf("%s: %d containers, proto.Unmarshal %d", name, len(got.items), len(full.Containers))
		}
		for i, want := range full.Containers {
			if err := sameSummary(got.items[i], want); err != nil {
				t.Fatalf("%s: container %d: %v; input %q", name, i, err, b)
			}
		}
	}
	for _, got := range []containerSummaries{wire, streamed} {
		for i, w := range got.wires {
			var c runtimeapi.Container
			if err := proto.Unmarshal([]byte(w), &c); err != nil || !proto.Equal(&c, full.Containers[i]) {
				t.Fatalf("container %d: the kept encoding is not the container (%v)", i, err)
			}
		}
	}
}

func sameSummary(got, want *runtimeapi.Container) error {
	type view struct {
		id, pod, name, image, ref, imageID, podName, podNS string
		attempt                                            uint32
		state                                              runtimeapi.ContainerState
		created                                            int64
	}
	v := func(c *runtimeapi.Container) view {
		return view{c.Id, c.PodSandboxId, c.GetMetadata().GetName(), c.GetImage().GetImage(), c.ImageRef, c.ImageId,
			c.Labels[labelPodName], c.Labels[labelPodNamespace], c.GetMetadata().GetAttempt(), c.State, c.CreatedAt}
	}
	if g, w := v(got), v(want); g != w {
		return fmt.Errorf("summary %+v, proto.Unmarshal %+v", g, w)
	}
	return nil
}

func randListing(r *rand.Rand) []byte {
	var b []byte
	for range r.IntN(6) {
		c, err := proto.Marshal(randContainer(r))
		if err != nil {
			panic(err)
		}
		if r.IntN(2) == 0 {
			c = mangleContainer(r, c)
		}
		b = protowire.AppendBytes(protowire.AppendTag(b, 1, protowire.BytesType), c)
	}
	return b
}

// TestSummaryDecodeMatchesProtoUnmarshal: on random listings, sent the ways
// proto allows, every field the summary codec reads equals what
// proto.Unmarshal gives, and with encodings kept it refuses exactly what
// proto.Unmarshal refuses.
func TestSummaryDecodeMatchesProtoUnmarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		checkSummaries(t, randListing(r))
	}
}

// TestSummaryDecodeLabelEntryWrongWireType: a map entry holding the key and
// then a varint under the key's number keeps the key for proto.Unmarshal
// (the varint is an unknown field); the summary codec used to drop it, and
// the container lost its pod name.
func TestSummaryDecodeLabelEntryWrongWireType(t *testing.T) {
	t.Parallel()
	e := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), labelPodName)
	e = protowire.AppendString(protowire.AppendTag(e, 2, protowire.BytesType), "web")
	e = protowire.AppendVarint(protowire.AppendTag(e, 1, protowire.VarintType), 7)
	c := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "c1")
	c = protowire.AppendBytes(protowire.AppendTag(c, 8, protowire.BytesType), e)
	b := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), c)
	var got containerSummaries
	if err := decodeSummaries(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.items) != 1 || got.items[0].Labels[labelPodName] != "web" {
		t.Fatalf("pod name label lost: %v", got.items)
	}
	checkSummaries(t, b)
}

// TestSummaryKeepingEncodingsRefusesInvalidUTF8: proto.Unmarshal refuses a
// label value that is not UTF-8; so does the decode for the documents (the
// table's summary does not read annotations and need not).
func TestSummaryKeepingEncodingsRefusesInvalidUTF8(t *testing.T) {
	t.Parallel()
	e := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k")
	e = protowire.AppendString(protowire.AppendTag(e, 2, protowire.BytesType), "\xff")
	c := protowire.AppendBytes(protowire.AppendTag(nil, 9, protowire.BytesType), e)
	b := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), c)
	if err := decodeSummaries(b, &containerSummaries{keepWire: true}); err == nil {
		t.Fatal("an annotation that is not UTF-8 was accepted")
	}
	checkSummaries(t, b)
}

func FuzzSummaryDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 30 {
		f.Add(randListing(r))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkSummaries(t, b) })
}

// BenchmarkSummaryDecode10k is ps -a's decode of 10,000 kubelet-like
// containers (test/bench's fake).
func BenchmarkSummaryDecode10k(b *testing.B) {
	resp := &runtimeapi.ListContainersResponse{}
	for i := range 10000 {
		resp.Containers = append(resp.Containers, &runtimeapi.Container{
			Id: fmt.Sprintf("%064x", 1<<40+i), PodSandboxId: fmt.Sprintf("%064x", i%500+1),
			Metadata: &runtimeapi.ContainerMetadata{Name: fmt.Sprint("app-", i), Attempt: uint32(i % 4)},
			Image:    &runtimeapi.ImageSpec{Image: "registry.example.com/team/service:v1.2.3"}, ImageRef: fmt.Sprintf("sha256:%064x", i%50),
			State: runtimeapi.ContainerState(i % 3), CreatedAt: int64(i) * 1e9,
			Labels: map[string]string{labelPodName: fmt.Sprint("pod-", i%500), labelPodNamespace: "ns", "io.kubernetes.pod.uid": fmt.Sprintf("%08x-1b2c-4d5e-8f90-%012x", i, i),
				"io.kubernetes.container.name": fmt.Sprint("app-", i), "app.kubernetes.io/name": "bench", "pod-template-hash": "7d4b9c8f6d"},
		})
	}
	data, err := proto.Marshal(resp)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out containerSummaries
		if err := decodeSummaries(data, &out); err != nil {
			b.Fatal(err)
		}
	}
}
