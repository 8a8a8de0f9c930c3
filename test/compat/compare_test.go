package compat

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/ctrcri/ctrcri/pkg/crictldiff"
)

// Diff is one difference between the two binaries on one invocation.
type Diff struct {
	ID     string
	Args   string
	Aspect string
	Detail string // readable: what crictl did (-) against ours (+)
}

// Normalisers: values that differ between two runs of the same binary.
var (
	reRFC3339 = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?( ?(Z|[+-]\d\d:?\d\d)( [A-Z]{3,4})?)?`)
	reAgo     = regexp.MustCompile(`(Less than a second|About a minute|About an hour|an? (second|minute|hour|day)|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?)) ago`)
	reHex64   = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	reHex13   = regexp.MustCompile(`\b[0-9a-f]{12,13}\b`)
	reNanos   = regexp.MustCompile(`\b\d{16,20}\b`)
	reIPv4    = regexp.MustCompile(`\b10\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	reSize    = regexp.MustCompile(`\b\d+(\.\d+)?\s?([kKMGT]i?)?B\b`)
	reDecimal = regexp.MustCompile(`\b\d+\.\d+\b`)
	reBlanks  = regexp.MustCompile(`[ \t]+`)
	reLogTime = regexp.MustCompile(`time="[^"]*"`)
)

// normalise replaces the fixture's IDs by role names, then anything
// volatile by a placeholder.
func normalise(s string, inv Inv, r Result, fx *Fixture) string {
	s = strings.ReplaceAll(s, r.Dir, "<DIR>")
	s = strings.ReplaceAll(s, node.Socket, "<SOCK>")
	s = strings.NewReplacer(fx.pairs()...).Replace(s)
	s = reLogTime.ReplaceAllString(s, `time="<TIME>"`)
	s = reRFC3339.ReplaceAllString(s, "<TIME>")
	s = reAgo.ReplaceAllString(s, "<AGO>")
	s = reHex64.ReplaceAllString(s, "<HEX64>")
	s = reHex13.ReplaceAllString(s, "<HEX13>")
	s = reNanos.ReplaceAllString(s, "<NS>")
	s = reIPv4.ReplaceAllString(s, "<IP>")
	if inv.Volatile {
		s = reSize.ReplaceAllString(s, "<SIZE>")
		s = reDecimal.ReplaceAllString(s, "<DEC>")
	}
	return s
}

// compare returns every difference between crictl's result and ours.
func compare(inv Inv, ref, ours Result, fxRef, fxOurs *Fixture) []Diff {
	var diffs []Diff
	add := func(aspect, format string, a ...any) {
		diffs = append(diffs, Diff{ID: inv.ID, Args: strings.Join(inv.Args, " "), Aspect: aspect, Detail: fmt.Sprintf(format, a...)})
	}
	if ref.Running != ours.Running || ref.Code != ours.Code {
		add(crictldiff.AspectExit, "crictl %s, ours %s", ref.exit(), ours.exit())
	}
	stream := func(name, a, b string) {
		if (strings.TrimSpace(a) == "") != (strings.TrimSpace(b) == "") {
			add(crictldiff.AspectStreams, "%s: crictl %s, ours %s", name, emptiness(a), emptiness(b))
		}
	}
	stream("stderr", ref.Stderr, ours.Stderr)
	if inv.Racy {
		return diffs
	}
	stream("stdout", ref.Stdout, ours.Stdout)

	rs, ob := normalise(ref.Stdout, inv, ref, fxRef), normalise(ours.Stdout, inv, ours, fxOurs)
	// crictl clears the screen before tables even in a pipe; that is one
	// difference, reported once, and the tables are compared without it.
	if strings.Count(rs, clearScreen) != strings.Count(ob, clearScreen) {
		add(crictldiff.AspectClear, "crictl writes %d clear-screen sequences, ours %d", strings.Count(rs, clearScreen), strings.Count(ob, clearScreen))
	}
	rs, ob = strings.ReplaceAll(rs, clearScreen, ""), strings.ReplaceAll(ob, clearScreen, "")
	switch {
	case inv.Help || (looksLikeHelp(ref.Stdout) && looksLikeHelp(ours.Stdout)):
		// Help text is each tool's own; what a user relies on is compared.
		for _, d := range compareHelp(ref.Stdout+ref.Stderr, ours.Stdout+ours.Stderr) {
			add(crictldiff.AspectHelp, "%s", d)
		}
	case isDoc(inv, rs) || isDoc(inv, ob):
		if d := compareDocs(inv, rs, ob); d != "" {
			add(crictldiff.AspectDoc, "%s", d)
		}
	case rs != ob:
		switch {
		case collapse(rs) == collapse(ob):
			add(crictldiff.AspectSpacing, "%s", lineDiff(rs, ob))
		case strings.Count(strings.TrimSpace(rs), "\n") > 0 && sortedLines(collapse(rs)) == sortedLines(collapse(ob)):
			add(crictldiff.AspectOrder, "%s", lineDiff(rs, ob))
		default:
			add(crictldiff.AspectStdout, "%s", lineDiff(rs, ob))
		}
	}
	names := make([]string, 0, len(ref.Files))
	for n := range ref.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a, b := normalise(ref.Files[n], inv, ref, fxRef), normalise(ours.Files[n], inv, ours, fxOurs)
		if a != b {
			add(crictldiff.AspectFiles, "%s:\n%s", n, lineDiff(a, b))
		}
	}
	return diffs
}

const clearScreen = "\x1b[2J\x1b[H"

func sortedLines(s string) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func emptiness(s string) string {
	if strings.TrimSpace(s) == "" {
		return "empty"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(first) > 100 {
		first = first[:100] + "…"
	}
	return fmt.Sprintf("%q", first)
}

func collapse(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(reBlanks.ReplaceAllString(l, " "))
	}
	return strings.Join(lines, "\n")
}

// isDoc: the invocation asks for a document, or prints one by default.
func isDoc(inv Inv, out string) bool {
	if docFormat(inv) != "" {
		return true
	}
	t := strings.TrimSpace(out)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

func docFormat(inv Inv) string {
	for i, a := range inv.Args {
		v := ""
		switch {
		case (a == "-o" || a == "--output") && i+1 < len(inv.Args):
			v = inv.Args[i+1]
		case strings.HasPrefix(a, "-o=") || strings.HasPrefix(a, "--output="):
			_, v, _ = strings.Cut(a, "=")
		}
		if v == "json" || v == "yaml" {
			return v
		}
	}
	return ""
}

// compareDocs compares the key paths of two documents and the class of the
// value at each path, never the volatile values themselves.
func compareDocs(inv Inv, a, b string) string {
	pa, ea := docPaths(a, docFormat(inv))
	pb, eb := docPaths(b, docFormat(inv))
	switch {
	case ea != nil && eb != nil:
		if a != b {
			return "neither is a document; stdout differs:\n" + lineDiff(a, b)
		}
		return ""
	case ea != nil:
		return fmt.Sprintf("crictl's output is not a document (%v), ours is:\n%s", ea, lineDiff(a, b))
	case eb != nil:
		return fmt.Sprintf("ours is not a document (%v), crictl's is:\n%s", eb, lineDiff(a, b))
	}
	// Which fixture objects: the same count may hold other objects.
	for _, r := range roles(a) {
		pa["objects: "+r] = true
	}
	for _, r := range roles(b) {
		pb["objects: "+r] = true
	}
	var out []string
	for p := range pa {
		if !pb[p] {
			out = append(out, "- "+p)
		}
	}
	for p := range pb {
		if !pa[p] {
			out = append(out, "+ "+p)
		}
	}
	if len(out) == 0 {
		return ""
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] || (out[i][2:] == out[j][2:] && out[i] < out[j]) })
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("… %d more", len(out)-40))
	}
	return "key paths (value class) crictl only (-), ours only (+):\n" + strings.Join(out, "\n")
}

// reRole is a fixture object's role name as normalise writes it: <P>,
// <X:13>, <R1>.
var reRole = regexp.MustCompile(`<[A-Z][A-Z0-9]?[0-9]*(:13)?>`)

// roles are the fixture roles a normalised output names.
func roles(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range reRole.FindAllString(s, -1) {
		r = strings.TrimSuffix(strings.Trim(r, "<>"), ":13")
		if !seen[r] && r != "NS" && r != "IP" {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// docPaths parses a JSON value, a stream of them, or YAML, into the set of
// "path: class" strings.
func docPaths(s, format string) (map[string]bool, error) {
	paths := map[string]bool{}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty")
	}
	if format == "yaml" {
		for _, d := range splitYAML(s) {
			j, err := yaml.YAMLToJSON([]byte(d))
			if err != nil {
				return nil, err
			}
			var v any
			if err := json.Unmarshal(j, &v); err != nil {
				return nil, err
			}
			walk("", v, paths)
		}
		return paths, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		walk("", v, paths)
	}
	return paths, nil
}

func splitYAML(s string) []string {
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(s, -1) {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

func walk(path string, v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			out[path+": {}"] = true
		}
		for k, e := range v {
			walk(path+"."+k, e, out)
		}
	case []any:
		if len(v) == 0 {
			out[path+"[]: empty"] = true
		} else {
			// How many: a list that leaves out an object (stats without
			// its exited containers) keeps every key path of the others.
			out[fmt.Sprintf("%s[]: %d items", path, len(v))] = true
		}
		for _, e := range v {
			walk(path+"[]", e, out)
		}
	default:
		if path == "" {
			path = "."
		}
		out[path+": "+class(v)] = true
	}
}

var (
	reClassInt  = regexp.MustCompile(`^-?\d+$`)
	reClassEnum = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	reClassTime = regexp.MustCompile(`^<TIME>$`)
	reClassHex  = regexp.MustCompile(`^(sha256:)?<(HEX64|HEX13|[A-Z0-9]+)>$`)
)

// class names the format of a value: what a script parsing it relies on.
func class(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		switch {
		case v == "":
			return `""`
		case reClassTime.MatchString(v):
			return "time"
		case v == "<NS>" || reClassInt.MatchString(v):
			return "int-string"
		case reClassHex.MatchString(v):
			return "id"
		case reClassEnum.MatchString(v):
			return "ENUM"
		}
		return "string"
	}
	return fmt.Sprintf("%T", v)
}

var (
	// A help line that declares a flag: `--name value, -n value`,
	// `--username USERNAME, -u USERNAME`, `--creds USERNAME[:PASSWORD]`.
	reFlag    = regexp.MustCompile(`^\s+-{1,2}[A-Za-z0-9][\w-]*(?: [\w\[\]:|.=]+)?(?:, -{1,2}[A-Za-z0-9][\w-]*(?: [\w\[\]:|.=]+)?)*`)
	reFlagTok = regexp.MustCompile(`-{1,2}[A-Za-z0-9][\w-]*`)
)

// compareHelp checks what a user relies on in help: the command named on the
// NAME line, a USAGE line that names crictl (never `ctr cri`), and every
// flag and alias crictl's help lists.
func compareHelp(ref, ours string) []string {
	var out []string
	rn, on := section(ref, "NAME:"), section(ours, "NAME:")
	rname, _, _ := strings.Cut(rn, " - ")
	oname, _, _ := strings.Cut(on, " - ")
	if strings.TrimSpace(rname) != strings.TrimSpace(oname) {
		out = append(out, fmt.Sprintf("NAME names %q in crictl, %q in ours", rname, oname))
	}
	ru, ou := section(ref, "USAGE:"), section(ours, "USAGE:")
	if ru != "" {
		rf := strings.Fields(ru)
		of := strings.Fields(ou)
		switch {
		case ou == "":
			out = append(out, "no USAGE line in ours")
		case strings.Contains(ou, "ctr cri") || len(of) == 0 || of[0] != "crictl":
			out = append(out, fmt.Sprintf("USAGE line %q does not start with crictl", ou))
		case len(rf) > 1 && len(of) > 1 && !strings.HasPrefix(rf[1], "[") && rf[1] != of[1]:
			out = append(out, fmt.Sprintf("USAGE names %q in crictl, %q in ours", rf[1], of[1]))
		}
	}
	have := map[string]bool{}
	for _, l := range strings.Split(ours, "\n") {
		if m := reFlag.FindStringSubmatch(l); m != nil {
			for _, t := range reFlagTok.FindAllString(m[0], -1) {
				have[t] = true
			}
		}
	}
	var missing []string
	for _, l := range strings.Split(ref, "\n") {
		if m := reFlag.FindStringSubmatch(l); m != nil {
			for _, t := range reFlagTok.FindAllString(m[0], -1) {
				if !have[t] {
					missing = append(missing, t)
				}
			}
		}
	}
	if len(missing) > 0 {
		out = append(out, "crictl's help lists flags ours lacks: "+strings.Join(missing, " "))
	}
	return out
}

// section returns the first non-empty line after a help heading.
func section(help, heading string) string {
	_, rest, ok := strings.Cut(help, heading)
	if !ok {
		return ""
	}
	for _, l := range strings.Split(rest, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// lineDiff is a short line diff: crictl's lines (-) against ours (+).
func lineDiff(a, b string) string {
	la, lb := strings.Split(strings.TrimRight(a, "\n"), "\n"), strings.Split(strings.TrimRight(b, "\n"), "\n")
	if len(la) > 300 || len(lb) > 300 {
		la, lb = la[:min(len(la), 300)], lb[:min(len(lb), 300)]
	}
	// LCS table; outputs here are small.
	n, m := len(la), len(lb)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && la[i] == lb[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+ "+lb[j])
			j++
		default:
			out = append(out, "- "+la[i])
			i++
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf("only trailing blank lines differ: crictl %q, ours %q", tail(a), tail(b))
	}
	for i, l := range out {
		out[i] = visible(l)
	}
	if len(out) > 24 {
		out = append(out[:24], fmt.Sprintf("… %d more lines", len(out)-24))
	}
	return strings.Join(out, "\n")
}

// visible shows control characters (crictl's clear-screen codes) as \xNN.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 && r != '\t' {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// looksLikeHelp: urfave/cli help, which both print for some argument errors.
func looksLikeHelp(s string) bool {
	return strings.Contains(s, "NAME:\n") && strings.Contains(s, "USAGE:\n")
}

// tail is the last few bytes of s, to show trailing newlines.
func tail(s string) string {
	if len(s) > 12 {
		return "…" + s[len(s)-12:]
	}
	return s
}
