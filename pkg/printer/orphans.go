package printer

import "github.com/ctrcri/ctrcri/pkg/ctrd"

// OrphanFormats are the formats of ctr cri orphans.
var OrphanFormats = []string{Table, JSON, YAML, GoTemplate}

// Orphans renders the orphans report: a table with one row per orphan, or
// the report document {"namespace", "orphans": [...]}.
func Orphans(r *ctrd.OrphanReport) *Resource {
	ids := make([]string, len(r.Orphans))
	for i, o := range r.Orphans {
		ids[i] = o.ID
	}
	return &Resource{
		Doc:      r,
		ItemsKey: "orphans",
		IDs:      ids,
		Columns:  []Column{{Header: "KIND"}, {Header: "ID", ID: true}, {Header: "NAME"}, {Header: "TASK"}, {Header: "PROBLEM"}},
		Rows: func(emit func(...string)) {
			for _, o := range r.Orphans {
				task := "-"
				if o.Task != nil {
					task = o.Task.Status + " " + pid(o.Task.PID)
				}
				emit(o.Kind, o.ID, o.Name, task, o.Problem)
			}
		},
	}
}
