package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/wirejson"
)

// summaryCodec decodes ListContainersResponse into summaries: only the
// fields tables show, and of the labels only kubelet's pod name and
// namespace. Skipping the label and annotation maps is what keeps a 10,000
// container listing fast and small (about a third of the heap of a full
// decode). Requests are marshalled by gRPC's proto codec.
type summaryCodec struct{}

// containerSummaries is what summaryCodec decodes into.
type containerSummaries struct {
	items []*runtimeapi.Container
	// keepWire keeps each container's encoding too (wires[i] is items[i]'s),
	// validated as proto.Unmarshal would, for the documents (-o json, yaml,
	// templates), which are written from it without a full decode.
	keepWire bool
	wires    []string
}

// add decodes one container's encoding b (b is not kept: gRPC reuses it).
func (s *containerSummaries) add(b []byte) error {
	c, err := decodeSummary(b)
	if err != nil {
		return err
	}
	if s.keepWire {
		m, err := containerWire()
		if err != nil {
			return err
		}
		if err := m.Validate(b); err != nil {
			return fmt.Errorf("%w: container %d: %w", errBadWire, len(s.items), err)
		}
		s.wires = append(s.wires, string(b))
	}
	s.items = append(s.items, c)
	return nil
}

// containerWire is the compiled Container type, built on first use (not at
// init: most commands never need it).
var containerWire = sync.OnceValues(func() (*wirejson.Message, error) {
	return wirejson.For((&runtimeapi.Container{}).ProtoReflect().Descriptor())
})

func (summaryCodec) Name() string { return "proto" }

func (summaryCodec) Marshal(v any) (mem.BufferSlice, error) {
	return encoding.GetCodecV2("proto").Marshal(v)
}

func (summaryCodec) Unmarshal(data mem.BufferSlice, v any) error {
	out, ok := v.(*containerSummaries)
	if !ok {
		return fmt.Errorf("summary codec cannot decode into %T", v)
	}
	if len(data) == 1 {
		return decodeSummaries(data[0].ReadOnlyData(), out)
	}
	// A large response arrives as a chain of buffers: walk it one container
	// at a time rather than copying it whole into one slice.
	r := data.Reader()
	defer r.Close()
	return decodeSummaryStream(r, out)
}

// decodeSummaryStream decodes the top level of ListContainersResponse from r,
// with one scratch buffer reused for every container.
func decodeSummaryStream(r *mem.Reader, out *containerSummaries) error {
	var scratch []byte
	for r.Remaining() > 0 {
		tag, err := binary.ReadUvarint(r)
		if err != nil {
			return errBadWire
		}
		num, typ := protowire.DecodeTag(tag)
		var n uint64
		switch typ {
		case protowire.BytesType:
			if n, err = binary.ReadUvarint(r); err != nil || n > uint64(r.Remaining()) {
				return errBadWire
			}
		case protowire.VarintType:
			if _, err := binary.ReadUvarint(r); err != nil {
				return errBadWire
			}
			continue
		case protowire.Fixed64Type:
			n = 8
		case protowire.Fixed32Type:
			n = 4
		default:
			return errBadWire
		}
		scratch = slices.Grow(scratch[:0], int(n))[:n]
		if _, err := io.ReadFull(r, scratch); err != nil {
			return errBadWire
		}
		if num != 1 || typ != protowire.BytesType {
			continue
		}
		if err := out.add(scratch); err != nil {
			return err
		}
	}
	return nil
}

var errBadWire = errors.New("malformed ListContainersResponse")

// fields walks the top-level fields of a message, handing each field's
// number, wire type and raw value (the payload of bytes fields, the value of
// varints) to f.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, val []byte, v uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errBadWire
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			val, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return errBadWire
			}
			if err := f(num, typ, val, 0); err != nil {
				return err
			}
			b = b[m:]
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return errBadWire
			}
			if err := f(num, typ, nil, v); err != nil {
				return err
			}
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return errBadWire
			}
			b = b[m:]
		}
	}
	return nil
}

func decodeSummaries(b []byte, out *containerSummaries) error {
	return fields(b, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		return out.add(val)
	})
}

func decodeSummary(b []byte) (*runtimeapi.Container, error) {
	c := &runtimeapi.Container{Metadata: &runtimeapi.ContainerMetadata{}, Image: &runtimeapi.ImageSpec{}}
	err := fields(b, func(num protowire.Number, typ protowire.Type, val []byte, v uint64) error {
		switch {
		case typ == protowire.VarintType && num == 6:
			c.State = runtimeapi.ContainerState(v)
		case typ == protowire.VarintType && num == 7:
			c.CreatedAt = int64(v)
		case typ != protowire.BytesType:
		case num == 1:
			c.Id = string(val)
		case num == 2:
			c.PodSandboxId = string(val)
		case num == 3:
			return fields(val, func(num protowire.Number, typ protowire.Type, val []byte, v uint64) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					c.Metadata.Name = string(val)
				case num == 2 && typ == protowire.VarintType:
					c.Metadata.Attempt = uint32(v)
				}
				return nil
			})
		case num == 4:
			return fields(val, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
				if num == 1 && typ == protowire.BytesType {
					c.Image.Image = string(val)
				}
				return nil
			})
		case num == 5:
			c.ImageRef = string(val)
		case num == 10:
			c.ImageId = string(val)
		case num == 8:
			return podLabel(c, val)
		}
		return nil
	})
	return c, err
}

// podLabel keeps a labels map entry only if it is kubelet's pod name or
// namespace, the fallback for containers whose pod is not listed.
func podLabel(c *runtimeapi.Container, entry []byte) error {
	var k, v []byte
	err := fields(entry, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
		// Another wire type under a known number is an unknown field to
		// proto.Unmarshal: it must not clear the key or value.
		switch {
		case num == 1 && typ == protowire.BytesType:
			k = val
		case num == 2 && typ == protowire.BytesType:
			v = val
		}
		return nil
	})
	if err != nil {
		return err
	}
	if key := string(k); key == labelPodName || key == labelPodNamespace {
		if c.Labels == nil {
			c.Labels = make(map[string]string, 2)
		}
		c.Labels[key] = string(v)
	}
	return nil
}
