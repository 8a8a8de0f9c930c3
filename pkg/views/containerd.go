package views

import (
	"strconv"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
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
func WithContainerd(it *Inspected, v *ctrd.View) {
	if it.Extra == nil {
		it.Extra = map[string]any{}
	}
	it.Extra["containerd"] = v
	// One section with a heading and one spelling of keys, after crictl's
	// lines, so that the ours-only part is easy to tell apart.
	it.ExtraText = func(w *printer.TextWriter) {
		w.Printf("containerd:\n")
		field := func(k, v string) { w.Printf("\t%s: %s\n", k, printer.Escape(v)) }
		field("Namespace", v.Namespace)
		if v.Container == "" {
			field("Container", "(none)")
		} else {
			field("Container", v.Container)
		}
		if v.Task == nil {
			field("Task", "(none)")
		} else {
			field("Task", v.Task.Status+", pid "+strconv.FormatUint(uint64(v.Task.PID), 10))
		}
		for _, f := range []struct{ k, v string }{
			{"Shim", v.Runtime}, {"Snapshotter", v.Snapshotter}, {"Snapshot key", v.SnapshotKey},
			{"Sandboxer", v.Sandboxer}, {"Sandbox", v.SandboxID}, {"Image", v.Image},
		} {
			if f.v != "" {
				field(f.k, f.v)
			}
		}
	}
}
