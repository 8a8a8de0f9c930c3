package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// decodeInfo turns a CRI verbose info map into document values as crictl
// does: a value that is a JSON object is decoded, anything else is a string
// with its surrounding quotes removed.
func decodeInfo(info map[string]string) map[string]any {
	out := make(map[string]any, len(info))
	for k, v := range info {
		out[k] = decodeInfoValue(v)
	}
	return out
}

func decodeInfoValue(v string) any {
	if strings.HasPrefix(v, "{") {
		var dec map[string]any
		if err := json.Unmarshal([]byte(v), &dec); err == nil {
			return dec
		}
	}
	return strings.Trim(v, `"`)
}

// encodeInfo is decodeInfo for a document encoded at once: objects are
// kept as their canonical JSON bytes (the same bytes once marshalled).
func encodeInfo(info map[string]string) map[string]any {
	out := make(map[string]any, len(info))
	for k, v := range info {
		if strings.HasPrefix(v, "{") {
			if raw, err := printer.CanonicalJSON(nil, []byte(v)); err == nil {
				out[k] = json.RawMessage(raw)
				continue
			}
		}
		out[k] = decodeInfoValue(v)
	}
	return out
}

// statusDoc is a CRI status inside an inspect document. crictl round-trips
// it through a Go map, so its keys come out sorted, and rewrites the
// timestamps it knows (fix); scripts read both.
type statusDoc struct {
	msg proto.Message
	fix func(m map[string]any)
}

// MarshalJSON implements json.Marshaler.
func (s statusDoc) MarshalJSON() ([]byte, error) {
	raw, err := printer.ProtoRaw{Message: s.msg}.MarshalJSON()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if s.fix != nil {
		s.fix(m)
	}
	return json.Marshal(m)
}

// everyField writes null for each field of msg that protojson left out, an
// unset message (containerd 1.7 sets no ContainerStatus.user): crictl writes
// container and pod statuses field by field from the Go struct, so a script
// reading .status.user gets null from it, not a missing key.
func everyField(msg proto.Message, m map[string]any) {
	fields := msg.ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		if name := fields.Get(i).JSONName(); m[name] == nil {
			m[name] = nil
		}
	}
}

// rfc3339 renders a CRI nanosecond time as crictl's inspect does: local
// time with nanoseconds; an unset time is Go's zero time,
// 0001-01-01T00:00:00Z.
func rfc3339(ns int64, set bool) string {
	if !set {
		return time.Time{}.Format(time.RFC3339Nano)
	}
	return time.Unix(0, ns).Format(time.RFC3339Nano)
}

// containerTimes sets crictl's times: started once the container left
// CREATED, finished once it exited (or is UNKNOWN with a finish time).
func containerTimes(s *runtimeapi.ContainerStatus) func(map[string]any) {
	return func(m map[string]any) {
		everyField(s, m)
		st := s.GetState()
		m["createdAt"] = rfc3339(s.GetCreatedAt(), true)
		m["startedAt"] = rfc3339(s.GetStartedAt(), st != runtimeapi.ContainerState_CONTAINER_CREATED)
		m["finishedAt"] = rfc3339(s.GetFinishedAt(), st == runtimeapi.ContainerState_CONTAINER_EXITED ||
			(st == runtimeapi.ContainerState_CONTAINER_UNKNOWN && s.GetFinishedAt() > 0))
	}
}

func podTimes(s *runtimeapi.PodSandboxStatus) func(map[string]any) {
	return func(m map[string]any) {
		everyField(s, m)
		m["createdAt"] = rfc3339(s.GetCreatedAt(), true)
	}
}

// Inspected is one inspect target: the CRI status and its verbose info.
type Inspected struct {
	ID     string
	Status proto.Message
	Info   map[string]string
	// Pod is the container's pod, namespace/name, for table output.
	Pod string
	// Extra adds keys beside status and info (inspect --containerd), and
	// ExtraText their lines in table output.
	Extra     map[string]any
	ExtraText func(w *printer.TextWriter)
	// fix rewrites status fields as crictl does (times).
	fix func(map[string]any)
	// text is the human rendering of Status.
	text func(w *printer.TextWriter)
	// encoded is the document, once Encode ran.
	encoded []byte
}

// doc is crictl's inspect document: "status" beside the runtime's info
// keys, decoded, at the top level (containerd's is "info", so .info.pid).
func (i *Inspected) doc() map[string]any {
	return i.docWith(decodeInfo(i.Info))
}

func (i *Inspected) docWith(d map[string]any) map[string]any {
	d["status"] = statusDoc{i.Status, i.fix}
	for k, v := range i.Extra {
		d[k] = v
	}
	return d
}

// Inspect renders inspect/inspectp/inspecti results: one object for one
// target, an array for several, like crictl.
func Inspect(items []*Inspected) *printer.Resource {
	var doc any
	if len(items) == 1 {
		doc = items[0].document()
	} else {
		arr := make([]any, len(items))
		for i, it := range items {
			arr[i] = it.document()
		}
		doc = arr
	}
	return &printer.Resource{Doc: doc, Text: func(w *printer.TextWriter) error {
		for n, it := range items {
			if n > 0 {
				w.Printf("\n")
			}
			if it.text != nil {
				it.text(w)
			}
			if it.ExtraText != nil {
				it.ExtraText(w)
			}
			if len(it.Info) > 0 && w.Wide {
				// -o wide: the runtime's info as the document has it,
				// readable, where the table keeps crictl's one line.
				b, err := printer.MarshalJSON(decodeInfo(it.Info))
				if err != nil {
					return err
				}
				w.Printf("Info:\n")
				for _, l := range strings.Split(string(b), "\n") {
					w.Printf("  %s\n", printer.Escape(l))
				}
			} else if len(it.Info) > 0 {
				w.Field("Info", fmt.Sprint(it.Info))
			}
		}
		return nil
	}}
}

// InspectContainer builds one inspect result for a container; the text is
// crictl's inspect -o table.
func InspectContainer(r *runtimeapi.ContainerStatusResponse, now time.Time) *Inspected {
	s := r.GetStatus()
	it := &Inspected{ID: s.GetId(), Status: s, Info: r.Info, fix: containerTimes(s)}
	it.text = func(w *printer.TextWriter) {
		w.Field("ID", s.GetId())
		if n := s.GetMetadata().GetName(); n != "" {
			w.Field("Name", n)
		}
		if it.Pod != "" {
			w.Field("Pod", it.Pod)
		}
		if a := s.GetMetadata().GetAttempt(); a != 0 {
			w.Field("Attempt", a)
		}
		w.Field("State", s.GetState())
		w.Field("Created", printer.Age(now, s.GetCreatedAt()))
		if s.GetState() != runtimeapi.ContainerState_CONTAINER_CREATED {
			w.Field("Started", printer.Age(now, s.GetStartedAt()))
		}
		if s.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			if s.GetFinishedAt() > 0 {
				w.Field("Finished", printer.Age(now, s.GetFinishedAt()))
			}
			w.Field("Exit Code", s.GetExitCode())
		}
		w.Map("Labels", s.GetLabels())
		w.Map("Annotations", s.GetAnnotations())
	}
	return it
}

// InspectPod builds one inspect result for a pod; the text is crictl's
// inspectp -o table.
func InspectPod(r *runtimeapi.PodSandboxStatusResponse, now time.Time) *Inspected {
	s := r.GetStatus()
	return &Inspected{ID: s.GetId(), Status: s, Info: r.Info, fix: podTimes(s), text: func(w *printer.TextWriter) {
		w.Field("ID", s.GetId())
		if m := s.GetMetadata(); m != nil {
			for _, f := range []struct{ k, v string }{{"Name", m.GetName()}, {"UID", m.GetUid()}, {"Namespace", m.GetNamespace()}} {
				if f.v != "" {
					w.Field(f.k, f.v)
				}
			}
			w.Field("Attempt", m.GetAttempt())
		}
		w.Field("Status", s.GetState())
		w.Field("Created", printer.Age(now, s.GetCreatedAt()))
		if n := s.GetNetwork(); n != nil {
			w.Field("IP Addresses", n.GetIp())
			for _, ip := range n.GetAdditionalIps() {
				w.Field("Additional IP", ip.GetIp())
			}
		}
		w.Map("Labels", s.GetLabels())
		w.Map("Annotations", s.GetAnnotations())
	}}
}

// InspectImage builds one inspect result for an image; the text is
// crictl's inspecti -o table.
func InspectImage(r *runtimeapi.ImageStatusResponse) *Inspected {
	im := r.GetImage()
	return &Inspected{ID: im.GetId(), Status: im, Info: r.Info, text: func(w *printer.TextWriter) {
		w.Field("ID", im.GetId())
		for _, t := range im.GetRepoTags() {
			w.Field("Tag", t)
		}
		for _, d := range im.GetRepoDigests() {
			w.Field("Digest", d)
		}
		w.Field("Size", printer.Size(im.GetSize()))
	}}
}
