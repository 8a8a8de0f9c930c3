package views

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ctrcri/ctrcri/pkg/fleet"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// FleetFormats are the formats of ctr cri diagnose merge.
var FleetFormats = []string{printer.Table, printer.JSON, printer.YAML, printer.GoTemplate, printer.JSONPath}

// fleetListMax bounds the table's per-node lists; -o json has them all.
const fleetListMax = 20

// Widths of free-text cells in the fleet tables (-o json has them whole):
// a pattern is cut so that the EXAMPLES column stays on the screen.
const (
	fleetPatternMax = 60
	fleetFirstMax   = 100
)

// elide cuts s to at most n runes, the last being "…".
func elide(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// Fleet renders the merged view: the verdict first, then what needs
// attention (unhealthy nodes, problem groups, skew), then what the input
// lacked.
func Fleet(v *fleet.View, maxAge time.Duration) *printer.Resource {
	return &printer.Resource{Doc: v, Text: func(w *printer.TextWriter) error {
		s := v.Summary
		verdict := fmt.Sprintf("%d %s, %d healthy", s.Nodes, plural(s.Nodes, "node", "nodes"), s.Healthy)
		if s.Warnings > 0 {
			verdict += fmt.Sprintf(" (%d with warnings)", s.Warnings)
		}
		verdict += fmt.Sprintf(", %d unhealthy", s.Unhealthy)
		var also []string
		for _, c := range []struct {
			n          int
			one, other string
		}{
			{s.Stale, "stale", "stale"}, {s.Missing, "missing", "missing"},
			{s.UnknownSchema, "of an unknown schema", "of an unknown schema"},
			{s.Errors, "unreadable input", "unreadable inputs"}, {s.Duplicates, "duplicate report dropped", "duplicate reports dropped"},
			{s.Conflicts, "node reported by several sources", "nodes reported by several sources"},
		} {
			if c.n > 0 {
				also = append(also, fmt.Sprintf("%d %s", c.n, plural(c.n, c.one, c.other)))
			}
		}
		if len(also) > 0 {
			verdict += "; " + strings.Join(also, ", ")
		}
		w.Printf("Fleet: %s\n", verdict)

		var bad []fleet.Node
		for _, n := range v.Nodes {
			if !n.Healthy {
				bad = append(bad, n)
			}
		}
		if len(bad) > 0 {
			w.Printf("\nUnhealthy nodes: %d\n", len(bad))
			printer.TextTable(w, bad[:min(len(bad), fleetListMax)], func(n fleet.Node) []string {
				first := ""
				if n.First != nil {
					first = n.First.Check + ": " + n.First.Message
					if n.First.Object != "" {
						first = n.First.Check + " " + n.First.Object + ": " + n.First.Message
					}
				}
				return []string{n.Name, fmt.Sprintf("%d %s", n.Errors, plural(n.Errors, "error", "errors")), elide(first, fleetFirstMax)}
			})
			more(w, len(bad), "unhealthy nodes")
		}

		if len(v.Problems) > 0 {
			w.Printf("\nProblems:\n")
			rows := [][]string{{"NODES", "SEVERITY", "CHECK", "PATTERN", "EXAMPLES"}}
			for _, g := range v.Problems[:min(len(v.Problems), fleetListMax)] {
				ex := strings.Join(g.Examples, ", ")
				if g.Nodes > len(g.Examples) {
					ex += ", …"
				}
				rows = append(rows, []string{fmt.Sprint(g.Nodes), g.Severity, g.Check, elide(g.Pattern, fleetPatternMax), ex})
			}
			printer.TextTable(w, rows, func(r []string) []string { return r })
			more(w, len(v.Problems), "problem groups")
		}

		if s.Nodes > 0 {
			w.Printf("\nVersions:\n")
			printer.TextTable(w, v.Versions, func(c fleet.Component) []string {
				var parts []string
				for i, val := range c.Values {
					if i == 4 {
						parts = append(parts, fmt.Sprintf("%d more", len(c.Values)-i))
						break
					}
					p := fmt.Sprintf("%s (%d)", orUnknown(val.Version), val.Nodes)
					if c.Skew && i > 0 {
						p = fmt.Sprintf("%s (%d: %s)", orUnknown(val.Version), val.Nodes, strings.Join(val.Examples, ", "))
					}
					parts = append(parts, p)
				}
				skew := ""
				if c.Skew {
					skew = "SKEW"
				}
				return []string{c.Name, skew, strings.Join(parts, ", ")}
			})
		}

		if len(v.Stale) > 0 {
			w.Printf("\nStale reports (older than %s): %d\n", maxAge, len(v.Stale))
			printer.TextTable(w, v.Stale[:min(len(v.Stale), fleetListMax)], func(n fleet.StaleNode) []string {
				return []string{n.Name, n.Age + " old", n.Source}
			})
			more(w, len(v.Stale), "stale nodes")
		}
		if len(v.Missing) > 0 {
			w.Printf("\nMissing (no report): %d\n", len(v.Missing))
			for _, n := range v.Missing[:min(len(v.Missing), fleetListMax)] {
				w.Printf("  %s\n", printer.Escape(n))
			}
			more(w, len(v.Missing), "missing nodes")
		}
		if len(v.UnknownSchema) > 0 {
			w.Printf("\nReports of an unknown schema (not merged): %d\n", len(v.UnknownSchema))
			printer.TextTable(w, v.UnknownSchema[:min(len(v.UnknownSchema), fleetListMax)], func(u fleet.UnknownReport) []string {
				return []string{u.Source, u.APIVersion, u.Node}
			})
			more(w, len(v.UnknownSchema), "reports")
		}
		if len(v.Duplicates) > 0 {
			w.Printf("\nNodes a source reported more than once (its newest report is kept): %d\n", len(v.Duplicates))
			printer.TextTable(w, v.Duplicates[:min(len(v.Duplicates), fleetListMax)], func(d fleet.Duplicate) []string {
				kept := "kept " + d.Kept
				if d.Recovered {
					kept += " (recovered)"
				}
				return []string{d.Name, d.Source, fmt.Sprintf("%d reports", d.Reports), kept}
			})
			more(w, len(v.Duplicates), "nodes")
		}
		if len(v.Conflicts) > 0 {
			w.Printf("\nNodes reported by more than one source (judged by the worst report): %d\n", len(v.Conflicts))
			type row struct {
				name string
				src  fleet.ConflictSource
			}
			var rows []row
			for _, c := range v.Conflicts[:min(len(v.Conflicts), fleetListMax)] {
				for i, src := range c.Sources {
					name := c.Name
					if i > 0 {
						name = ""
					}
					rows = append(rows, row{name, src})
				}
			}
			printer.TextTable(w, rows, func(r row) []string {
				health := "healthy"
				if !r.src.Healthy {
					health = "unhealthy (" + fmt.Sprintf("%d %s", r.src.Errors, plural(r.src.Errors, "error", "errors")) + ")"
				}
				return []string{r.name, r.src.Source, health, r.src.Report}
			})
			more(w, len(v.Conflicts), "nodes")
		}
		if s.Errors > 0 {
			w.Printf("\nUnreadable input: %d\n", s.Errors)
			printer.TextTable(w, v.Errors[:min(len(v.Errors), fleetListMax)], func(e fleet.InputError) []string {
				return []string{e.Source, e.Pod, e.Message}
			})
			more(w, s.Errors, "errors")
		}
		return nil
	}}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func more(w *printer.TextWriter, n int, what string) {
	if n > fleetListMax {
		w.Printf("  … and %d more %s (-o json lists them all)\n", n-fleetListMax, what)
	}
}
