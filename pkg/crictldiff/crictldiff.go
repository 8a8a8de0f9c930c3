// Package crictldiff is the table of allowed differences from the real
// crictl: test/compat (the differential suite, which keeps the table in
// its allowed.yaml) fails on any difference the table does not explain,
// and cmd/gen-docs renders the table into docs/migrating-from-crictl.md.
// A package of its own so that neither imports the other.
package crictldiff

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Aspects a difference is reported under; a table row names one.
const (
	AspectExit    = "exit"    // exit code (or "still running" for streams)
	AspectStdout  = "stdout"  // normalised stdout text
	AspectSpacing = "spacing" // stdout equal once runs of blanks are collapsed
	AspectOrder   = "order"   // stdout has the same lines in another order
	AspectClear   = "clear"   // clear-screen codes in one stdout only
	AspectStreams = "streams" // which of stdout/stderr is empty
	AspectDoc     = "doc"     // JSON/YAML key paths and value classes
	AspectHelp    = "help"    // NAME/USAGE lines and crictl's flags in help
	AspectFiles   = "files"   // files the command wrote (config --set)
)

// Allowed is one row of the table of allowed differences.
type Allowed struct {
	// IDs are path.Match patterns over invocation ids ("rmi/*"); the row
	// allows each of Aspects on each of them.
	IDs     []string `json:"ids"`
	Aspects []string `json:"aspects"`
	// What differs, why, and what a crictl script should do about it.
	What   string `json:"what"`
	Why    string `json:"why"`
	Script string `json:"script"`
	// Finding names the review item (C07, B35, …) the row belongs to.
	Finding string `json:"finding,omitempty"`
	// Pending marks a known difference that is being fixed, not a
	// deliberate one; the doc says so.
	Pending bool `json:"pending,omitempty"`
	// Personality names who behaves so: PersonalityBoth when `ctr cri`
	// does the same as the crictl name, PersonalityCrictl when only the
	// crictl name does (ctr cri keeps its own contract there; the guide
	// says how).
	Personality string `json:"personality"`
}

// Personalities a row may name.
const (
	PersonalityCrictl = "crictl"
	PersonalityBoth   = "both"
)

// Parse reads the table of allowed differences (allowed.yaml's bytes)
// and checks it for sense.
func Parse(data []byte) ([]Allowed, error) {
	var rows []Allowed
	if err := yaml.UnmarshalStrict(data, &rows); err != nil {
		return nil, fmt.Errorf("allowed.yaml: %w", err)
	}
	aspects := []string{AspectExit, AspectStdout, AspectSpacing, AspectOrder, AspectClear, AspectStreams, AspectDoc, AspectHelp, AspectFiles}
	for i, r := range rows {
		if len(r.IDs) == 0 || len(r.Aspects) == 0 || r.What == "" || r.Why == "" || r.Script == "" {
			return nil, fmt.Errorf("allowed.yaml: row %d: ids, aspects, what, why and script are required", i+1)
		}
		if r.Personality != PersonalityCrictl && r.Personality != PersonalityBoth {
			return nil, fmt.Errorf("allowed.yaml: row %d: personality %q is not %s or %s", i+1, r.Personality, PersonalityCrictl, PersonalityBoth)
		}
		for _, a := range r.Aspects {
			if !slices.Contains(aspects, a) {
				return nil, fmt.Errorf("allowed.yaml: row %d: aspect %q is not one of %s", i+1, a, strings.Join(aspects, ", "))
			}
		}
		for _, p := range r.IDs {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("allowed.yaml: row %d: bad pattern %q: %v", i+1, p, err)
			}
		}
	}
	return rows, nil
}

// Matches reports whether the row explains a difference of aspect in the
// invocation id.
func (a Allowed) Matches(id, aspect string) bool {
	if !slices.Contains(a.Aspects, aspect) {
		return false
	}
	for _, p := range a.IDs {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// Doc markers delimit the generated section of docs/migrating-from-crictl.md.
const (
	DocBegin = "<!-- BEGIN GENERATED: allowed differences (test/compat/allowed.yaml; make docs) -->"
	DocEnd   = "<!-- END GENERATED: allowed differences -->"
)

// Markdown renders the table for the migration guide.
func Markdown(rows []Allowed) string {
	var b strings.Builder
	b.WriteString("Measured by `test/compat`, which runs every invocation with the real crictl and with\n")
	b.WriteString("the `crictl` symlink on one node; any difference not listed here fails `make test`.\n\n")
	b.WriteString("The *under* column says whether `ctr cri` does the same (`crictl`, `ctr cri`) or only the\n")
	b.WriteString("`crictl` name does (`crictl`).\n\n")
	b.WriteString("| invocations | under | what differs | why | what a script should do |\n|---|---|---|---|---|\n")
	cell := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`), "\n", " ")
	}
	for _, r := range rows {
		what := cell(r.What)
		if r.Pending {
			what = "**known difference, being fixed** (" + r.Finding + "): " + what
		} else if r.Finding != "" {
			what += " (" + r.Finding + ")"
		}
		ids := make([]string, len(r.IDs))
		for i, id := range r.IDs {
			ids[i] = "`" + id + "`"
		}
		under := "`crictl`"
		if r.Personality == PersonalityBoth {
			under = "`crictl`, `ctr cri`"
		}
		fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s | %s |\n", strings.Join(ids, ", "), strings.Join(r.Aspects, ", "), under, what, cell(r.Why), cell(r.Script))
	}
	return b.String()
}

// Splice replaces the generated section of doc with body; it fails when the
// markers are missing, so the generator never appends a second copy.
func Splice(doc, body string) (string, error) {
	i := strings.Index(doc, DocBegin)
	j := strings.Index(doc, DocEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("markers %q … %q not found", DocBegin, DocEnd)
	}
	return doc[:i+len(DocBegin)] + "\n" + body + doc[j:], nil
}
