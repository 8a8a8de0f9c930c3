package views

import (
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// Orphans renders the orphans report: a table with one row per orphan, or
// the report document {"namespace", "orphans": [...]}.
func Orphans(r *ctrd.OrphanReport) *printer.Resource {
	ids := make([]string, len(r.Orphans))
	for i, o := range r.Orphans {
		ids[i] = o.ID
	}
	return &printer.Resource{
		Doc:      r,
		ItemsKey: "orphans",
		IDs:      ids,
		Columns: []printer.Column{{Header: "KIND"}, {Header: "ID", ID: true}, {Header: "NAME"}, {Header: "TASK"}, {Header: "PROBLEM"},
			{Header: "REMOVE WITH", Wide: true}},
		Rows: func(emit func(...string)) {
			for _, o := range r.Orphans {
				task := "-"
				if o.Task != nil {
					task = o.Task.Status + " " + pid(o.Task.PID)
				}
				emit(o.Kind, o.ID, o.Name, task, o.Problem, OrphanRemedy(r.Namespace, o))
			}
		},
	}
}

// OrphanRemedy is the command that removes an orphan: ctr's own commands
// for containerd's records (in CRI's namespace), ctr cri's for CRI's.
func OrphanRemedy(namespace string, o ctrd.Orphan) string {
	ctr := "ctr -n " + namespace + " "
	switch o.Kind {
	case ctrd.OrphanCtrdContainer:
		if o.Task != nil {
			return ctr + "tasks rm -f " + o.ID + " && " + ctr + "containers rm " + o.ID
		}
		return ctr + "containers rm " + o.ID
	case ctrd.OrphanCtrdTask:
		return ctr + "tasks rm -f " + o.ID
	case ctrd.OrphanCtrdSandbox:
		return ctr + "sandboxes rm -f " + o.ID
	case ctrd.OrphanCRIContainer:
		return "ctr cri rm -f " + o.ID
	case ctrd.OrphanCRIPod:
		return "ctr cri rmp -f " + o.ID
	}
	return ""
}
