// Package layering_test keeps the package graph one-way: cmd → cricli →
// views → fleet → diagnose → (ctrd, stream) → runtime → (criconfig,
// crictldiff, outfile, printer, wirejson). A package imports only packages of lower layers, so
// the CRI client never learns about printing and no helper creeps back up.
// Tests and fakes are held to it too: a fake sits just above what it fakes,
// a test reaches nothing above its package, and nothing under cmd/ imports
// test/.
package layering_test

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/ctrcri/ctrcri/"

// layers ranks the module's shipped packages (a path or a path prefix
// ending in "/"); an import must go to a strictly lower rank. The test
// fails until a new package is placed here.
var layers = map[string]int{
	// Leaves: no RPCs, no imports of the module.
	"pkg/criconfig":  0,
	"pkg/crictldiff": 0,
	"pkg/outfile":    0,
	"pkg/printer":    0, // the printing engine; the domain's views are pkg/views
	"pkg/wirejson":   0,
	"pkg/otlp":       0, // the trace exporter, below the tree that traces
	// Imported by ctr for its init alone: nothing may come before it.
	"cmd/ctr/internal/profrate": 0,
	// The CRI client.
	"pkg/runtime": 1,
	// Built on the client.
	"pkg/ctrd":     2,
	"pkg/stream":   2,
	"pkg/diagnose": 3,
	"pkg/fleet":    4,
	// Views over the printer.
	"pkg/views": 5,
	// The command tree: urfave patches and terminal widgets, the shared
	// session and flags, help and the command groups, then the tree.
	"pkg/cricli/urfavex":    6,
	"pkg/cricli/termui":     6,
	"pkg/cricli/cmdutil":    7,
	"pkg/cricli/help":       8,
	"pkg/cricli/completion": 8,
	"pkg/cricli/config":     8,
	"pkg/cricli/containers": 8,
	"pkg/cricli/images":     8,
	"pkg/cricli/node":       8,
	"pkg/cricli/pods":       8,
	"pkg/cricli/streaming":  8,
	"pkg/cricli":            9,
	"cmd/":                  10,
}

// fakes are the test-only packages beside what they fake. A fake ranks
// just above its package: it may import that package and lower layers,
// never higher, and only tests of its package or of higher layers may
// import it.
var fakes = map[string]string{
	"pkg/runtime/runtimetest": "pkg/runtime",
	"pkg/ctrd/ctrdtest":       "pkg/ctrd",
}

// Pkg is one package of the graph: its imports, its tests' imports
// (in-package and external), all module-relative.
type Pkg struct {
	Imports, TestImports []string
}

func under(p, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(p, prefix)
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func rank(p string) (int, bool) {
	best, r := "", 0
	for k, v := range layers {
		if under(p, k) && len(k) > len(best) {
			best, r = k, v
		}
	}
	return r, best != ""
}

// level orders placed packages: layer r is 2r, a fake of layer r is 2r+1.
func level(p string) (int, bool) {
	if of, ok := fakes[p]; ok {
		r, ok := rank(of)
		return 2*r + 1, ok
	}
	r, ok := rank(p)
	return 2 * r, ok
}

func describe(p string) string {
	l, _ := level(p)
	if of, ok := fakes[p]; ok {
		return fmt.Sprintf("%s (the fake of %s, layer %d)", p, of, l/2)
	}
	return fmt.Sprintf("%s (layer %d)", p, l/2)
}

// checked are the packages placed in layers or fakes: everything under
// pkg/ and cmd/. test/ holds the suites and their helpers, which may import
// anything they test.
func checked(p string) bool {
	return strings.HasPrefix(p, "pkg/") || strings.HasPrefix(p, "cmd/")
}

// reach is every package p's code imports, directly or not.
func reach(graph map[string]Pkg, p string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(q string) {
		for _, d := range graph[q].Imports {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(p)
	return slices.Sorted(maps.Keys(seen))
}

// violations lists, sorted, every import in graph that goes up or
// sideways, reaches test-only code from shipped code, or involves a package
// the layers do not place. Tests may also import their package's fakes and
// test/ helpers, as long as nothing they reach ranks above the package;
// nothing under cmd/ imports test/, tests included.
func violations(graph map[string]Pkg) []string {
	var out []string
	for p, pkg := range graph {
		if !checked(p) {
			continue
		}
		from, ok := level(p)
		if !ok {
			out = append(out, fmt.Sprintf("%s has no layer: add it to layers in test/layering", p))
			continue
		}
		_, fake := fakes[p]
		for _, q := range pkg.Imports {
			if !checked(q) || (!fake && fakes[q] != "") {
				out = append(out, fmt.Sprintf("%s imports %s, which is test-only", p, q))
				continue
			}
			to, ok := level(q)
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s imports %s, which has no layer: add it to layers in test/layering", p, q))
			case to >= from:
				out = append(out, fmt.Sprintf("%s imports %s: imports must go to a lower layer", describe(p), describe(q)))
			}
		}
		// A test of p may import lower layers, their fakes and p's own.
		allowed := func(q string) bool {
			to, _ := level(q)
			return to < from || q == p || fakes[q] == p
		}
		for _, q := range pkg.TestImports {
			if q == p {
				continue
			}
			if !checked(q) {
				if strings.HasPrefix(p, "cmd/") {
					out = append(out, fmt.Sprintf("tests of %s import %s: nothing under cmd/ imports test/", p, q))
					continue
				}
				for _, d := range reach(graph, q) {
					if _, ok := level(d); checked(d) && ok && !allowed(d) {
						out = append(out, fmt.Sprintf("tests of %s import %s, which imports %s: tests must not reach above their package", describe(p), q, describe(d)))
					}
				}
				continue
			}
			_, ok := level(q)
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("tests of %s import %s, which has no layer: add it to layers in test/layering", p, q))
			case !allowed(q):
				out = append(out, fmt.Sprintf("tests of %s import %s: tests import lower layers, their fakes and their package's own", describe(p), describe(q)))
			}
		}
	}
	sort.Strings(out)
	return out
}

// moduleGraph is the module's own import graph, from go list.
func moduleGraph(t *testing.T) map[string]Pkg {
	t.Helper()
	// go test puts its own go first in PATH.
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .TestImports \" \"}} {{join .XTestImports \" \"}}", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	own := func(list string) []string {
		var rel []string
		for _, q := range strings.Fields(list) {
			if r, ok := strings.CutPrefix(q, module); ok && !slices.Contains(rel, r) {
				rel = append(rel, r)
			}
		}
		return rel
	}
	graph := map[string]Pkg{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 || !strings.HasPrefix(f[0], module) {
			continue
		}
		graph[strings.TrimPrefix(f[0], module)] = Pkg{Imports: own(f[1]), TestImports: own(f[2])}
	}
	return graph
}

func TestPackagesImportOnlyLowerLayers(t *testing.T) {
	graph := moduleGraph(t)
	for _, p := range []string{"pkg/runtime", "pkg/ctrd", "pkg/stream", "pkg/diagnose", "pkg/criconfig", "pkg/views", "pkg/cricli", "cmd/ctr"} {
		if _, ok := graph[p]; !ok {
			t.Fatalf("go list did not list %s: %v", p, graph)
		}
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// The checker itself: each kind of bad import is reported.
func TestViolationsReportsBadImports(t *testing.T) {
	imports := func(q ...string) Pkg { return Pkg{Imports: q} }
	tests := func(q ...string) Pkg { return Pkg{TestImports: q} }
	for _, tc := range []struct {
		name  string
		graph map[string]Pkg
		want  string
	}{
		{"up", map[string]Pkg{"pkg/runtime": imports("pkg/views")}, "pkg/runtime (layer 1) imports pkg/views (layer 5): imports must go to a lower layer"},
		{"up from a new package", map[string]Pkg{"pkg/diagnose": imports("pkg/cricli")}, "pkg/diagnose (layer 3) imports pkg/cricli (layer 9): imports must go to a lower layer"},
		{"sideways", map[string]Pkg{"pkg/ctrd": imports("pkg/stream")}, "pkg/ctrd (layer 2) imports pkg/stream (layer 2): imports must go to a lower layer"},
		{"a fake", map[string]Pkg{"pkg/cricli": imports("pkg/runtime/runtimetest")}, "pkg/cricli imports pkg/runtime/runtimetest, which is test-only"},
		{"a test suite", map[string]Pkg{"pkg/fleet": imports("test/fleet")}, "pkg/fleet imports test/fleet, which is test-only"},
		{"unplaced", map[string]Pkg{"pkg/newthing": imports("pkg/runtime")}, "pkg/newthing has no layer: add it to layers in test/layering"},
		{"a fake above what it fakes", map[string]Pkg{"pkg/runtime/runtimetest": imports("pkg/ctrd")},
			"pkg/runtime/runtimetest (the fake of pkg/runtime, layer 1) imports pkg/ctrd (layer 2): imports must go to a lower layer"},
		{"a fake of a higher layer", map[string]Pkg{"pkg/runtime/runtimetest": imports("pkg/ctrd/ctrdtest")},
			"pkg/runtime/runtimetest (the fake of pkg/runtime, layer 1) imports pkg/ctrd/ctrdtest (the fake of pkg/ctrd, layer 2): imports must go to a lower layer"},
		{"a fake using a test suite", map[string]Pkg{"pkg/ctrd/ctrdtest": imports("test/devnode")}, "pkg/ctrd/ctrdtest imports test/devnode, which is test-only"},
		{"a test importing up", map[string]Pkg{"pkg/runtime": tests("pkg/views")},
			"tests of pkg/runtime (layer 1) import pkg/views (layer 5): tests import lower layers, their fakes and their package's own"},
		{"a test importing a fake of a higher layer", map[string]Pkg{"pkg/runtime": tests("pkg/ctrd/ctrdtest")},
			"tests of pkg/runtime (layer 1) import pkg/ctrd/ctrdtest (the fake of pkg/ctrd, layer 2): tests import lower layers, their fakes and their package's own"},
		{"a test helper reaching up", map[string]Pkg{"pkg/diagnose": tests("test/fleet"), "test/fleet": imports("pkg/runtime", "pkg/fleet")},
			"tests of pkg/diagnose (layer 3) import test/fleet, which imports pkg/fleet (layer 4): tests must not reach above their package"},
		{"a test helper reaching up through another", map[string]Pkg{"pkg/runtime": tests("test/a"), "test/a": imports("test/b"), "test/b": imports("pkg/ctrd/ctrdtest")},
			"tests of pkg/runtime (layer 1) import test/a, which imports pkg/ctrd/ctrdtest (the fake of pkg/ctrd, layer 2): tests must not reach above their package"},
		{"a command's test importing test/", map[string]Pkg{"cmd/ctr": tests("test/shellcomplete")}, "tests of cmd/ctr import test/shellcomplete: nothing under cmd/ imports test/"},
	} {
		if got := violations(tc.graph); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: %q, want [%q]", tc.name, got, tc.want)
		}
	}
	clean := map[string]Pkg{
		"cmd/ctr":                 imports("pkg/cricli"),
		"cmd/gen-docs":            imports("pkg/cricli", "pkg/crictldiff"),
		"pkg/cricli":              {Imports: []string{"pkg/views", "pkg/runtime"}, TestImports: []string{"pkg/cricli", "pkg/ctrd/ctrdtest", "test/fleet"}},
		"pkg/views":               imports("pkg/diagnose", "pkg/printer"),
		"pkg/ctrd":                {Imports: []string{"pkg/runtime"}, TestImports: []string{"pkg/ctrd", "pkg/ctrd/ctrdtest", "pkg/runtime/runtimetest", "test/fuzzbound"}},
		"pkg/ctrd/ctrdtest":       imports("pkg/ctrd", "pkg/runtime", "pkg/runtime/runtimetest"),
		"pkg/runtime/runtimetest": imports("pkg/runtime"),
		"pkg/fleet":               tests("test/fleet"),
		"test/fleet":              imports("pkg/diagnose", "pkg/ctrd/ctrdtest"),
		"test/fuzzbound":          {},
		"test/compat":             imports("pkg/crictldiff", "test/devnode"),
	}
	if got := violations(clean); len(got) != 0 {
		t.Errorf("a clean graph: %q", got)
	}
}
