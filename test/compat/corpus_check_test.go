package compat

import (
	"path"
	"slices"
	"strings"
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

// A document that leaves out an object the other lists differs, although
// every key path is in both (round-3 §3: stats -o json without its exited
// container); so does one that lists another object instead.
func TestCompareDocsCountsObjects(t *testing.T) {
	inv := Inv{ID: "stats/-o-json", Args: []string{"stats", "-o", "json"}}
	both := `{"stats":[{"attributes":{"id":"<R>"},"cpu":{"usageCoreNanoSeconds":{"value":"1"}}},{"attributes":{"id":"<X>"}}]}`
	running := `{"stats":[{"attributes":{"id":"<R>"},"cpu":{"usageCoreNanoSeconds":{"value":"1"}}}]}`
	other := `{"stats":[{"attributes":{"id":"<R>"},"cpu":{"usageCoreNanoSeconds":{"value":"1"}}},{"attributes":{"id":"<K>"}}]}`
	if d := compareDocs(inv, both, both); d != "" {
		t.Errorf("a document differs from itself: %s", d)
	}
	if d := compareDocs(inv, both, running); !strings.Contains(d, ".stats[]: 2 items") || !strings.Contains(d, "objects: X") {
		t.Errorf("a missing object: %q", d)
	}
	if d := compareDocs(inv, both, other); !strings.Contains(d, "- objects: X") || !strings.Contains(d, "+ objects: K") {
		t.Errorf("another object: %q", d)
	}
}
