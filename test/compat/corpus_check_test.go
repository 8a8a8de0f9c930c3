package compat

import (
	"path"
	"slices"
	"testing"
)

// TestCorpusCoversCrictl needs no node: the corpus is big enough, its ids
// are unique, and every crictl command is run with an argument form and
// asked for help.
func TestCorpusCoversCrictl(t *testing.T) {
	c := Corpus()
	if err := checkCorpus(c); err != nil {
		t.Fatal(err)
	}
	if len(c) < 400 {
		t.Errorf("corpus has %d invocations, want at least 400", len(c))
	}
	for _, cmd := range crictlCommands {
		run, helped := false, false
		for _, inv := range c {
			if len(inv.Args) > 0 && inv.Args[0] == cmd && !inv.Help {
				run = true
			}
			if inv.Help && slices.Contains(inv.Args, cmd) {
				helped = true
			}
		}
		if !run || !helped {
			t.Errorf("crictl %s: run %v, help %v", cmd, run, helped)
		}
	}
	t.Logf("%d invocations", len(c))
}

// TestTableReadsAndMatches needs no node: allowed.yaml parses, and every
// pattern in it names at least one corpus invocation.
func TestTableReadsAndMatches(t *testing.T) {
	table, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	c := Corpus()
	for i, a := range table {
		for _, p := range a.IDs {
			found := false
			for _, inv := range c {
				if a.Matches(inv.ID, a.Aspects[0]) && matchOne(p, inv.ID) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("allowed.yaml row %d: %q names no invocation of the corpus", i+1, p)
			}
		}
	}
}

func matchOne(pattern, id string) bool {
	ok, _ := path.Match(pattern, id)
	return ok
}
