package printer

import (
	"encoding/json"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// decodeInfo turns a CRI verbose info map (values are JSON text or plain
// strings) into values, as crictl shows them.
func decodeInfo(info map[string]string) map[string]any {
	out := make(map[string]any, len(info))
	for k, v := range info {
		var dec any
		if strings.HasPrefix(strings.TrimSpace(v), "{") || strings.HasPrefix(strings.TrimSpace(v), "[") {
			if err := json.Unmarshal([]byte(v), &dec); err == nil {
				out[k] = dec
				continue
			}
		}
		out[k] = strings.Trim(v, `"`)
	}
	return out
}

// Inspected is one inspect target: the CRI status and its verbose info.
type Inspected struct {
	ID     string
	Status proto.Message
	Info   map[string]string
	// Extra adds keys beside status and info (inspect --containerd), and
	// ExtraText their lines in table output.
	Extra     map[string]any
	ExtraText func(w *TextWriter)
	// text is the human rendering of Status.
	text func(w *TextWriter)
}

func (i *Inspected) doc() map[string]any {
	d := map[string]any{"status": ProtoRaw{i.Status}, "info": decodeInfo(i.Info)}
	for k, v := range i.Extra {
		d[k] = v
	}
	return d
}

// Inspect renders inspect/inspectp/inspecti results: one object for one
// target, an array for several, like crictl.
func Inspect(items []*Inspected) *Resource {
	var doc any
	if len(items) == 1 {
		doc = items[0].doc()
	} else {
		arr := make([]any, len(items))
		for i, it := range items {
			arr[i] = it.doc()
		}
		doc = arr
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return &Resource{Doc: doc, IDs: ids, Text: func(w *TextWriter) error {
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
		}
		return nil
	}}
}

// InspectContainer builds one inspect result for a container.
func InspectContainer(r *runtimeapi.ContainerStatusResponse, now time.Time) *Inspected {
	s := r.GetStatus()
	return &Inspected{ID: s.GetId(), Status: s, Info: r.Info, text: func(w *TextWriter) {
		w.Field("ID", s.GetId())
		w.Field("Name", s.GetMetadata().GetName())
		w.Field("Attempt", s.GetMetadata().GetAttempt())
		w.Field("State", ContainerState(s.GetState()))
		w.Field("Image", s.GetImage().GetImage())
		w.Field("ImageRef", s.GetImageRef())
		w.Field("Created", Age(now, s.GetCreatedAt()))
		if s.GetState() != runtimeapi.ContainerState_CONTAINER_CREATED {
			w.Field("Started", Age(now, s.GetStartedAt()))
		}
		if s.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			w.Field("Finished", Age(now, s.GetFinishedAt()))
			w.Field("Exit Code", s.GetExitCode())
			if s.GetReason() != "" {
				w.Field("Reason", s.GetReason())
			}
		}
		w.Field("LogPath", s.GetLogPath())
		w.Map("Labels", s.GetLabels())
		w.Map("Annotations", s.GetAnnotations())
	}}
}

// InspectPod builds one inspect result for a pod.
func InspectPod(r *runtimeapi.PodSandboxStatusResponse, now time.Time) *Inspected {
	s := r.GetStatus()
	return &Inspected{ID: s.GetId(), Status: s, Info: r.Info, text: func(w *TextWriter) {
		m := s.GetMetadata()
		w.Field("ID", s.GetId())
		w.Field("Name", m.GetName())
		w.Field("UID", m.GetUid())
		w.Field("Namespace", m.GetNamespace())
		w.Field("Attempt", m.GetAttempt())
		w.Field("Status", PodState(s.GetState()))
		w.Field("Created", Age(now, s.GetCreatedAt()))
		if ip := s.GetNetwork().GetIp(); ip != "" {
			w.Field("IP", ip)
		}
		w.Field("Runtime", runtimeHandler(s.GetRuntimeHandler()))
		w.Map("Labels", s.GetLabels())
		w.Map("Annotations", s.GetAnnotations())
	}}
}

// InspectImage builds one inspect result for an image.
func InspectImage(r *runtimeapi.ImageStatusResponse) *Inspected {
	im := r.GetImage()
	return &Inspected{ID: im.GetId(), Status: im, Info: r.Info, text: func(w *TextWriter) {
		w.Field("ID", im.GetId())
		for _, t := range im.GetRepoTags() {
			w.Field("Tag", t)
		}
		for _, d := range im.GetRepoDigests() {
			w.Field("Digest", d)
		}
		w.Field("Size", Size(im.GetSize()))
		w.Field("Pinned", im.GetPinned())
	}}
}

// Version renders the version result; the document is crictl's
// VersionResponse, the text adds the client's version.
func Version(v *runtimeapi.VersionResponse, clientVersion string) *Resource {
	return &Resource{Doc: v, Text: func(w *TextWriter) error {
		if clientVersion != "" {
			w.Printf("Client Version:  %s\n", clientVersion)
		}
		w.Printf("Version:  %s\n", Escape(v.Version))
		w.Printf("RuntimeName:  %s\n", Escape(v.RuntimeName))
		w.Printf("RuntimeVersion:  %s\n", Escape(v.RuntimeVersion))
		w.Printf("RuntimeApiVersion:  %s\n", Escape(v.RuntimeApiVersion))
		return nil
	}}
}

// Info renders Status like crictl info: status, handlers and features
// beside the runtime's decoded info keys.
func Info(s *runtimeapi.StatusResponse) *Resource {
	doc := map[string]any{}
	for k, v := range decodeInfo(s.Info) {
		doc[k] = v
	}
	doc["status"] = ProtoRaw{s.GetStatus()}
	if len(s.RuntimeHandlers) > 0 {
		hs := make([]any, len(s.RuntimeHandlers))
		for i, h := range s.RuntimeHandlers {
			hs[i] = ProtoRaw{h}
		}
		doc["runtimeHandlers"] = hs
	}
	if s.Features != nil {
		doc["features"] = ProtoRaw{s.Features}
	}
	return &Resource{Doc: doc}
}

// Message renders any single CRI response as its protojson document.
func Message(m proto.Message) *Resource { return &Resource{Doc: m} }

// ImageFsInfo renders filesystem usage; the table shows one row per
// filesystem, the document is crictl's ImageFsInfoResponse.
func ImageFsInfo(r *runtimeapi.ImageFsInfoResponse) *Resource {
	return &Resource{
		Doc:     r,
		Columns: []Column{{Header: "KIND"}, {Header: "MOUNTPOINT"}, {Header: "USED"}, {Header: "INODES"}},
		Rows: func(emit func(...string)) {
			for _, set := range []struct {
				kind string
				fs   []*runtimeapi.FilesystemUsage
			}{{"image", r.ImageFilesystems}, {"container", r.ContainerFilesystems}} {
				for _, u := range set.fs {
					inodes := "-"
					if u.InodesUsed != nil {
						inodes = itoa(u.InodesUsed.Value)
					}
					used := "-"
					if u.UsedBytes != nil {
						used = Size(u.UsedBytes.Value)
					}
					emit(set.kind, u.GetFsId().GetMountpoint(), used, inodes)
				}
			}
		},
	}
}
