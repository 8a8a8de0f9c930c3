package fleet_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/fleet"
)

// FuzzMerge: whatever the input, merge neither panics nor merges a report
// whose health jq would read differently from its problems.
func FuzzMerge(f *testing.F) {
	f.Add(rep("a", now, true) + "\n")
	f.Add(rep("a", now, false, "error:exited with code 1 (Error)") + "\n")
	f.Add(`{"apiVersion":"ctrcri.diagnose/v1","kind":"NodeDiagnosis","time":"2026-11-01T12:00:00Z","node":{"name":"a"},"healthy":true,"HEALTHY":false,"problems":[]}` + "\n")
	f.Add("[pod/p/c] " + rep("a", now, true) + "\n[pod/p/c] ctr: diagnose: 1 error found\n")
	f.Add(`{"problems":[{"severity":"error","severity":"warning"}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		m := fleet.New(fleet.Options{Now: now, MaxAge: time.Hour})
		_ = m.Read("fuzz", strings.NewReader(in))
		v := m.View()
		for _, n := range v.Nodes {
			if n.Healthy != (n.Errors == 0) && len(v.Conflicts) == 0 {
				t.Errorf("node %q healthy %v with %d errors", n.Name, n.Healthy, n.Errors)
			}
		}
		for _, e := range v.Errors {
			if e.Source == "" || e.Message == "" {
				t.Errorf("an error without source or message: %+v", e)
			}
		}
		if _, err := json.Marshal(v); err != nil {
			t.Error(err)
		}
	})
}
