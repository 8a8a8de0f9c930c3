package wirejson

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// listTypes are the documents ps, pods and images print, with their items.
func listTypes() []proto.Message {
	return []proto.Message{
		&runtimeapi.Container{}, &runtimeapi.PodSandbox{}, &runtimeapi.Image{},
		&runtimeapi.ListContainersResponse{}, &runtimeapi.ListPodSandboxResponse{}, &runtimeapi.ListImagesResponse{},
	}
}

// hostile strings: every escape class of protojson, and what encoding/json
// would escape differently (HTML characters, U+2028/2029).
var hostile = []string{
	"", "web", "<script>&amp;</script>", "\u2028\u2029", "tab\there", "nl\nx\r\f\b", "\x00\x01\x1f", "\x7f",
	"\u0085\u009f", "quote\"back\\slash", "héllo wörld", "😀 emoji", "\ufffd", "\ufffe\uffff", "\x1b[31mred\x1b[0m",
	"io.kubernetes.pod.name", "a", "b", "A", strings.Repeat("z", 300),
}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteRune(rune(r.IntN(0x300)))
		}
		return b.String()
	}
	return hostile[r.IntN(len(hostile))]
}

// fill sets every field of m to a random value; about one field in five is
// left unset, so that default values are exercised.
func fill(r *rand.Rand, m protoreflect.Message, depth int) {
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if r.IntN(5) == 0 {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range r.IntN(6) {
				mp.Set(protoreflect.ValueOfString(randString(r)).MapKey(), scalarValue(r, fd.MapValue()))
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				if fd.Kind() == protoreflect.MessageKind {
					if depth < 4 {
						e := l.NewElement()
						fill(r, e.Message(), depth+1)
						l.Append(e)
					}
					continue
				}
				l.Append(scalarValue(r, fd))
			}
		case fd.Kind() == protoreflect.MessageKind:
			if depth < 4 {
				fill(r, m.Mutable(fd).Message(), depth+1)
			}
		default:
			m.Set(fd, scalarValue(r, fd))
		}
	}
}

func scalarValue(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	edge := []int64{0, 1, -1, 127, 128, 1 << 31, -1 << 31, 1<<31 - 1, 1<<63 - 1, -1 << 63}
	n := edge[r.IntN(len(edge))]
	if r.IntN(2) == 0 {
		n = r.Int64() >> r.IntN(64)
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(randString(r))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(randString(r)))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		// Known names and numbers no name is declared for.
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(n % 6)))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(n)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	}
	panic("kind " + fd.Kind().String())
}

// reference is what the printer wrote before: protojson, then
// encoding/json's Indent (or Compact).
func reference(t testing.TB, m proto.Message, compact bool, prefix, indent string) []byte {
	raw, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(m)
	if err != nil {
		t.Fatalf("protojson: %v", err)
	}
	var buf bytes.Buffer
	if compact {
		err = json.Compact(&buf, raw)
	} else {
		err = json.Indent(&buf, raw, prefix, indent)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mangle rewrites a valid encoding the ways a real peer may: fields out of
// order, a field sent twice (last wins; messages merge), unknown fields of
// every wire type, a known field number with the wrong wire type.
func mangle(r *rand.Rand, b []byte) []byte {
	type chunk []byte
	var chunks []chunk
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		chunks = append(chunks, chunk(b[:n+m]))
		b = b[n+m:]
	}
	if len(chunks) > 1 && r.IntN(2) == 0 {
		r.Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
	}
	if len(chunks) > 0 && r.IntN(2) == 0 {
		chunks = append(chunks, chunks[r.IntN(len(chunks))])
	}
	var out []byte
	for _, c := range chunks {
		out = append(out, c...)
	}
	if r.IntN(2) == 0 {
		out = protowire.AppendTag(out, protowire.Number(900+r.IntN(100)), protowire.VarintType)
		out = protowire.AppendVarint(out, r.Uint64())
		out = protowire.AppendTag(out, 1000, protowire.Fixed32Type)
		out = protowire.AppendFixed32(out, 7)
		out = protowire.AppendTag(out, 1001, protowire.Fixed64Type)
		out = protowire.AppendFixed64(out, 7)
		out = protowire.AppendTag(out, 1002, protowire.StartGroupType)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendString(out, "x")
		out = protowire.AppendTag(out, 1002, protowire.EndGroupType)
	}
	if r.IntN(3) == 0 {
		// Field 1 is a string or a message in every list type: a varint there
		// is an unknown field to proto.Unmarshal.
		out = protowire.AppendTag(out, 1, protowire.VarintType)
		out = protowire.AppendVarint(out, 5)
	}
	return out
}

// check compares the encoder with the reference on the encoding b of a
// message of type like.
func check(t testing.TB, like proto.Message, b []byte) {
	t.Helper()
	m := like.ProtoReflect().Type().New().Interface()
	perr := proto.Unmarshal(b, m)
	wm, err := For(m.ProtoReflect().Descriptor())
	if err != nil {
		t.Fatal(err)
	}
	if verr := wm.Validate(b); (verr == nil) != (perr == nil) {
		t.Fatalf("%T: Validate says %v, proto.Unmarshal %v, input %q", m, verr, perr, b)
	}
	if perr != nil {
		return
	}
	for _, c := range []struct {
		compact        bool
		prefix, indent string
	}{{true, "", ""}, {false, "", "  "}, {false, "    ", "  "}} {
		want := reference(t, m, c.compact, c.prefix, c.indent)
		enc := wm.NewEncoder(c.prefix, c.indent)
		if c.compact {
			enc = wm.NewCompactEncoder()
		}
		got, err := enc.Append([]byte("keep:"), b)
		if err != nil {
			t.Fatalf("%T: %v, input %q", m, err, b)
		}
		if !bytes.Equal(got[5:], want) || string(got[:5]) != "keep:" {
			t.Fatalf("%T (compact %v, prefix %q):\n got %s\nwant %s\ninput %q", m, c.compact, c.prefix, got, want, b)
		}
	}
}

func TestEncoderMatchesProtojson(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		for _, like := range listTypes() {
			m := like.ProtoReflect().Type().New()
			fill(r, m, 0)
			b, err := proto.Marshal(m.Interface())
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 1 {
				b = mangle(r, b)
			}
			check(t, like, b)
		}
	}
}

func TestEncoderEmptyAndDefaults(t *testing.T) {
	t.Parallel()
	for _, like := range listTypes() {
		check(t, like, nil)
	}
	// A present but empty sub-message is written with its defaults.
	c := &runtimeapi.Container{Metadata: &runtimeapi.ContainerMetadata{}, Image: &runtimeapi.ImageSpec{}}
	b, _ := proto.Marshal(c)
	if len(b) == 0 {
		t.Fatal("empty messages were not encoded")
	}
	check(t, c, b)
}

// TestValidateRefusesWhatProtoRefuses: each input breaks one rule of the
// wire format or of proto3 strings; proto.Unmarshal refuses every one.
func TestValidateRefusesWhatProtoRefuses(t *testing.T) {
	t.Parallel()
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
	}
	entry := append(str(1, "k\xff"), str(2, "v")...)
	badMeta := str(1, "\xc3")
	for name, b := range map[string][]byte{
		"invalid UTF-8 in id":              str(1, "\xff"),
		"invalid UTF-8, later overwritten": append(str(1, "\xff"), str(1, "ok")...),
		"invalid UTF-8 in a label key":     protowire.AppendBytes(protowire.AppendTag(nil, 8, protowire.BytesType), entry),
		"invalid UTF-8 in metadata":        protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), badMeta),
		"truncated length":                 {0x0a, 0x05, 'a'},
		"field number 0":                   {0x00, 0x01},
		"reserved wire type":               {0x0e},
		"lone end group":                   {0x0c},
		"varint overflow":                  {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"field number too large":           protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3),
	} {
		if err := proto.Unmarshal(b, &runtimeapi.Container{}); err == nil {
			t.Fatalf("%s: proto.Unmarshal accepts it; the case is wrong", name)
		}
		check(t, &runtimeapi.Container{}, b)
	}
}

func TestForRefusesWhatItCannotWrite(t *testing.T) {
	t.Parallel()
	// Struct is a well-known type with its own JSON form.
	if _, err := For((&structpb.Struct{}).ProtoReflect().Descriptor()); err == nil {
		t.Fatal("For accepted google.protobuf.Struct")
	}
	// supplemental_groups is a repeated int64, which may come packed.
	if _, err := For((&runtimeapi.LinuxContainerSecurityContext{}).ProtoReflect().Descriptor()); err == nil {
		t.Fatal("For accepted LinuxContainerSecurityContext (repeated int64)")
	}
}

func FuzzWireJSON(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		for _, like := range listTypes()[:3] {
			m := like.ProtoReflect().Type().New()
			fill(r, m, 0)
			b, _ := proto.Marshal(m.Interface())
			f.Add(mangle(r, b))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, like := range listTypes() {
			check(t, like, b)
		}
	})
}
