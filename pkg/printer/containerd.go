package printer

import (
	"strconv"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// pid renders a task PID; 0 means no live task (or no containerd).
func pid(n uint32) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(n), 10)
}

// WithContainerd adds containerd's view of the object to an inspect
// result: a "containerd" key in the document and lines in the table.
func WithContainerd(it *Inspected, v *runtime.CtrdView) {
	if it.Extra == nil {
		it.Extra = map[string]any{}
	}
	it.Extra["containerd"] = v
	it.ExtraText = func(w *TextWriter) {
		w.Field("containerd namespace", v.Namespace)
		if v.Container == "" {
			w.Field("containerd container", "(none)")
		} else {
			w.Field("containerd container", v.Container)
		}
		if v.Task == nil {
			w.Field("Task", "(none)")
		} else {
			w.Field("Task", v.Task.Status+", pid "+strconv.FormatUint(uint64(v.Task.PID), 10))
		}
		for _, f := range []struct{ k, v string }{
			{"Shim", v.Runtime}, {"Snapshotter", v.Snapshotter}, {"Snapshot key", v.SnapshotKey},
			{"Sandboxer", v.Sandboxer}, {"Sandbox", v.SandboxID}, {"containerd image", v.Image},
		} {
			if f.v != "" {
				w.Field(f.k, f.v)
			}
		}
	}
}
