package fleet

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ctrcri/ctrcri/pkg/diagnose"
)

// View is the fleet view, schema APIVersion.
type View struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	// Healthy: every report read, of schema v1, fresh and healthy, and no
	// expected node missing.
	Healthy bool     `json:"healthy"`
	Inputs  []string `json:"inputs"`
	Summary Summary  `json:"summary"`
	// Nodes: unhealthy first (most errors first), then those with
	// warnings, then healthy; by name within each.
	Nodes []Node `json:"nodes"`
	// Problems grouped by severity, check and message pattern; errors
	// first, then by the number of nodes.
	Problems []ProblemGroup `json:"problems"`
	// Versions per component; Skew when nodes disagree.
	Versions      []Component     `json:"versions"`
	Missing       []string        `json:"missing"`
	Stale         []StaleNode     `json:"stale"`
	UnknownSchema []UnknownReport `json:"unknownSchema"`
	Duplicates    []Duplicate     `json:"duplicates"`
	// Conflicts are nodes that more than one source reported on.
	Conflicts []Conflict `json:"conflicts"`
	// Errors are inputs that could not be read as reports (at most 1000
	// are listed; Summary.Errors counts them all).
	Errors []InputError `json:"errors"`
}

// Summary counts the view's lists.
type Summary struct {
	Reports       int `json:"reports"` // diagnose reports read, duplicates and unknown schemas included
	Nodes         int `json:"nodes"`   // nodes with a v1 report
	Healthy       int `json:"healthy"`
	Unhealthy     int `json:"unhealthy"`
	Warnings      int `json:"warnings"` // healthy nodes with warnings
	Stale         int `json:"stale"`
	Missing       int `json:"missing"`
	UnknownSchema int `json:"unknownSchema"`
	Duplicates    int `json:"duplicates"` // older reports superseded by a newer one of the same source
	Conflicts     int `json:"conflicts"`  // nodes reported on by more than one source
	Errors        int `json:"errors"`
}

// Node is one node's latest report, in short. When sources conflict it
// is the worst of their latest reports (most errors, then newest), and
// Healthy is false if any of them is unhealthy.
type Node struct {
	Name     string    `json:"name"`
	NameFrom string    `json:"nameFrom"` // as in the report, or "input" when taken from the pod or file
	Healthy  bool      `json:"healthy"`  // computed from the problems, never read from the report
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Time     time.Time `json:"time"`
	Stale    bool      `json:"stale"`
	Source   string    `json:"source"` // FILE:LINE of the report
	// First is the node's first problem (errors come first in a report).
	First      *diagnose.Problem `json:"first,omitempty"`
	Containerd string            `json:"containerd,omitempty"`
	Runc       string            `json:"runc,omitempty"`
	CRI        string            `json:"criAPIVersion,omitempty"`
	Kernel     string            `json:"kernel,omitempty"`
}

// ProblemGroup is one kind of problem across the fleet. Pattern is the
// message with numbers, IDs and paths replaced (N, <id>, <path>).
type ProblemGroup struct {
	Severity    string   `json:"severity"`
	Check       string   `json:"check"`
	Pattern     string   `json:"pattern"`
	Nodes       int      `json:"nodes"`
	Occurrences int      `json:"occurrences"`
	Examples    []string `json:"examples"` // node names, first by name
	// Sample is one full problem, from the first example node.
	Sample diagnose.Problem `json:"sample"`
}

// Component is one versioned part of the node stack.
type Component struct {
	Name   string    `json:"name"` // containerd, runc, criAPI, cni, client, kernel
	Skew   bool      `json:"skew"`
	Values []Version `json:"values"` // most common first
}

// Version is one value of a component and the nodes that run it.
type Version struct {
	Version  string   `json:"version"` // "" when the report does not say
	Nodes    int      `json:"nodes"`
	Examples []string `json:"examples"`
}

// StaleNode is a node whose latest report is older than the maximum age.
type StaleNode struct {
	Name   string    `json:"name"`
	Time   time.Time `json:"time"`
	Age    string    `json:"age"`
	Source string    `json:"source"`
}

// UnknownReport is a diagnose report of a schema this merge does not read.
type UnknownReport struct {
	Source     string `json:"source"`
	APIVersion string `json:"apiVersion"`
	Node       string `json:"node,omitempty"`
}

// Duplicate is a node that one source reported on more than once: the
// newest report superseded the others (a DaemonSet pod's consecutive
// reports).
type Duplicate struct {
	Name    string   `json:"name"`
	Source  string   `json:"source"` // pod/NAME, or the input
	Reports int      `json:"reports"`
	Kept    string   `json:"kept"`
	Dropped []string `json:"dropped"` // the last few
	// Recovered: a superseded report was unhealthy and the newest is not.
	Recovered bool `json:"recovered"`
}

// Conflict is a node that several sources (pods, or inputs without a
// pod) reported on. None wins by its time: the node is judged by the
// worst of their latest reports.
type Conflict struct {
	Name    string           `json:"name"`
	Sources []ConflictSource `json:"sources"` // in the order read
	More    int              `json:"more"`    // sources beyond the 8 listed
}

// ConflictSource is one source's latest report on a conflicting node.
type ConflictSource struct {
	Source  string    `json:"source"` // pod/NAME, or the input
	Report  string    `json:"report"` // FILE:LINE
	Time    time.Time `json:"time"`
	Healthy bool      `json:"healthy"`
	Errors  int       `json:"errors"`
}

// InputError is input that is not a readable report, cited by FILE:LINE
// (and the pod, for kubectl logs --prefix input).
type InputError struct {
	Source  string `json:"source"`
	Pod     string `json:"pod,omitempty"`
	Message string `json:"message"`
}

// View builds the fleet view of what was read.
func (m *Merger) View() *View {
	// A verdict line no report of its source followed was not diagnose's.
	for _, src := range slices.Sorted(maps.Keys(m.early)) {
		m.addErr(m.early[src].err)
	}
	clear(m.early)
	v := &View{APIVersion: APIVersion, Kind: "FleetDiagnosis", Time: m.opts.Now.UTC(), Inputs: m.inputs,
		Nodes: []Node{}, Problems: []ProblemGroup{}, Versions: []Component{}, Missing: []string{}, Stale: []StaleNode{},
		UnknownSchema: m.unknown, Duplicates: []Duplicate{}, Conflicts: []Conflict{}, Errors: m.errs}
	if v.Inputs == nil {
		v.Inputs = []string{}
	}
	if v.UnknownSchema == nil {
		v.UnknownSchema = []UnknownReport{}
	}
	if v.Errors == nil {
		v.Errors = []InputError{}
	}
	nodes := make([]*node, 0, len(m.nodes))
	for _, n := range m.nodes {
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b *node) int { return strings.Compare(a.name, b.name) })

	s := &v.Summary
	s.Reports, s.Nodes, s.UnknownSchema, s.Errors = m.reports, len(nodes), len(m.unknown), m.nerrs
	groups := map[[3]string]*ProblemGroup{}
	comps := []string{"containerd", "runc", "criAPI", "cni", "client", "kernel"}
	values := make([]map[string]*Version, len(comps))
	for i := range values {
		values[i] = map[string]*Version{}
	}
	ex := m.opts.Examples
	for _, nn := range nodes {
		n := nn.kept()
		healthy := nn.healthy()
		e := Node{Name: nn.name, NameFrom: n.nameFrom, Healthy: healthy, Errors: n.errors, Warnings: n.warnings, Time: n.time.UTC(),
			Source: n.at, Containerd: n.versions.Containerd, Runc: n.versions.Runc, CRI: n.versions.CRIAPIVersion, Kernel: n.kernel}
		if len(n.problems) > 0 {
			e.First = &n.problems[0]
		}
		if m.opts.MaxAge > 0 && m.opts.Now.Sub(n.time) > m.opts.MaxAge {
			e.Stale = true
			v.Stale = append(v.Stale, StaleNode{Name: nn.name, Time: n.time.UTC(), Age: age(m.opts.Now.Sub(n.time)), Source: n.at})
		}
		switch {
		case !healthy:
			s.Unhealthy++
		case n.warnings > 0:
			s.Healthy++
			s.Warnings++
		default:
			s.Healthy++
		}
		v.Nodes = append(v.Nodes, e)
		for _, c := range nn.claims {
			if c.reports > 1 {
				s.Duplicates += c.reports - 1
				v.Duplicates = append(v.Duplicates, Duplicate{Name: nn.name, Source: c.source, Reports: c.reports, Kept: c.at,
					Dropped: c.dropped, Recovered: c.droppedUnhealthy > 0 && c.healthy()})
			}
		}
		if len(nn.claims) > 1 || nn.extra > 0 {
			s.Conflicts++
			cf := Conflict{Name: nn.name, More: nn.extra}
			for _, c := range nn.claims {
				cf.Sources = append(cf.Sources, ConflictSource{Source: c.source, Report: c.at, Time: c.time.UTC(), Healthy: c.healthy(), Errors: c.errors})
			}
			v.Conflicts = append(v.Conflicts, cf)
		}
		name := nn.name

		seen := map[[3]string]bool{}
		for _, p := range n.problems {
			k := [3]string{p.Severity, p.Check, Pattern(p.Message)}
			g := groups[k]
			if g == nil {
				g = &ProblemGroup{Severity: k[0], Check: k[1], Pattern: k[2], Examples: []string{}, Sample: p}
				groups[k] = g
			}
			g.Occurrences++
			if !seen[k] {
				seen[k] = true
				g.Nodes++
				if len(g.Examples) < ex {
					g.Examples = append(g.Examples, name)
				}
			}
		}
		vv := n.versions
		for i, val := range []string{vv.Containerd, vv.Runc, vv.CRIAPIVersion, vv.CNI, vv.Client, n.kernel} {
			ver := values[i][val]
			if ver == nil {
				ver = &Version{Version: val, Examples: []string{}}
				values[i][val] = ver
			}
			ver.Nodes++
			if len(ver.Examples) < ex {
				ver.Examples = append(ver.Examples, name)
			}
		}
	}
	slices.SortStableFunc(v.Nodes, func(a, b Node) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(b.Errors, a.Errors))
	})

	for _, g := range groups {
		v.Problems = append(v.Problems, *g)
	}
	slices.SortFunc(v.Problems, func(a, b ProblemGroup) int {
		return cmp.Or(cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)), cmp.Compare(b.Nodes, a.Nodes),
			cmp.Compare(b.Occurrences, a.Occurrences), strings.Compare(a.Check, b.Check), strings.Compare(a.Pattern, b.Pattern))
	})

	for i, name := range comps {
		c := Component{Name: name, Values: []Version{}}
		for _, ver := range values[i] {
			c.Values = append(c.Values, *ver)
		}
		slices.SortFunc(c.Values, func(a, b Version) int {
			return cmp.Or(cmp.Compare(b.Nodes, a.Nodes), strings.Compare(a.Version, b.Version))
		})
		c.Skew = len(c.Values) > 1
		v.Versions = append(v.Versions, c)
	}

	for _, want := range m.opts.Expected {
		if _, ok := m.nodes[want]; !ok {
			v.Missing = append(v.Missing, want)
		}
	}
	slices.Sort(v.Missing)
	v.Missing = slices.Compact(v.Missing)
	s.Missing, s.Stale = len(v.Missing), len(v.Stale)
	v.Healthy = s.Nodes > 0 && s.Unhealthy == 0 && s.Stale == 0 && s.Missing == 0 && s.UnknownSchema == 0 && s.Errors == 0
	return v
}

func rank(n Node) int {
	switch {
	case !n.Healthy:
		return 0
	case n.Warnings > 0:
		return 1
	}
	return 2
}

func sevRank(s string) int {
	if s == diagnose.SeverityError {
		return 0
	}
	return 1
}

// age renders a duration the way ages read in tables: 3h, 2d, 45m.
func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return itoa(int(d/(24*time.Hour))) + "d"
	case d >= time.Hour:
		return itoa(int(d/time.Hour)) + "h"
	case d >= time.Minute:
		return itoa(int(d/time.Minute)) + "m"
	}
	return itoa(int(d/time.Second)) + "s"
}

func itoa(i int) string { return strconv.Itoa(i) }
