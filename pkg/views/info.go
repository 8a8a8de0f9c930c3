package views

import (
	"encoding/json"

	units "github.com/docker/go-units"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// Version renders the version result; the document is crictl's
// VersionResponse, the text adds the client's version.
func Version(v *runtimeapi.VersionResponse, clientVersion string) *printer.Resource {
	return &printer.Resource{Doc: v, Text: func(w *printer.TextWriter) error {
		if clientVersion != "" {
			w.Printf("Client Version:  %s\n", clientVersion)
		}
		w.Printf("Version:  %s\n", printer.Escape(v.Version))
		w.Printf("RuntimeName:  %s\n", printer.Escape(v.RuntimeName))
		w.Printf("RuntimeVersion:  %s\n", printer.Escape(v.RuntimeVersion))
		w.Printf("RuntimeApiVersion:  %s\n", printer.Escape(v.RuntimeApiVersion))
		return nil
	}}
}

// Info renders Status like crictl info: the status (keys sorted), the
// runtime handlers and features as crictl encodes them (snake_case keys,
// zero values left out), beside the runtime's decoded info keys.
func Info(s *runtimeapi.StatusResponse) (*printer.Resource, error) {
	doc := decodeInfo(s.Info)
	doc["status"] = statusDoc{msg: s.GetStatus()}
	// crictl uses encoding/json here, not protojson: the generated structs'
	// json tags give snake_case names and omitempty.
	// Round-tripped through generic values as crictl does, so that keys
	// come out sorted.
	for key, v := range map[string]any{"runtimeHandlers": s.RuntimeHandlers, "features": s.Features} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var generic any
		if err := json.Unmarshal(b, &generic); err != nil {
			return nil, err
		}
		if generic != nil {
			doc[key] = generic
		}
	}
	return &printer.Resource{Doc: doc}, nil
}

// RuntimeConfig renders RuntimeConfigResponse: crictl's one text line, or
// the protojson document with -o json|yaml.
func RuntimeConfig(r *runtimeapi.RuntimeConfigResponse) *printer.Resource {
	return &printer.Resource{Doc: r, Text: func(w *printer.TextWriter) error {
		if l := r.GetLinux(); l != nil {
			w.Printf("cgroup driver:   %s\n", l.GetCgroupDriver())
		}
		return nil
	}}
}

// ImageFsInfo renders filesystem usage as crictl does: the document wraps
// the response in "status"; the text lists each filesystem's fields.
func ImageFsInfo(r *runtimeapi.ImageFsInfoResponse) *printer.Resource {
	return &printer.Resource{
		Doc: map[string]any{"status": statusDoc{msg: r}},
		Text: func(w *printer.TextWriter) error {
			for _, set := range []struct {
				label string
				fs    []*runtimeapi.FilesystemUsage
			}{{"Container", r.ContainerFilesystems}, {"Image", r.ImageFilesystems}} {
				w.Printf("%s Filesystem \n", set.label)
				for i, u := range set.fs {
					w.Printf("TimeStamp[%d]: %d\n", i, u.GetTimestamp())
					w.Printf("Disk[%d]: %s\n", i, units.HumanSize(float64(u.GetUsedBytes().GetValue())))
					w.Printf("Inodes[%d]: %d\n", i, u.GetInodesUsed().GetValue())
					w.Printf("Mountpoint[%d]: %s\n", i, printer.Escape(u.GetFsId().GetMountpoint()))
				}
			}
			return nil
		},
	}
}
