// Package layering_test keeps the package graph one-way: cmd → cricli →
// printer → fleet → diagnose → (ctrd, stream) → runtime → (criconfig,
// outfile, wirejson). A package imports only packages of lower layers, so
// the CRI client never learns about printing and no helper creeps back up.
package layering_test

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
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
	"pkg/criconfig": 0,
	"pkg/outfile":   0,
	"pkg/wirejson":  0,
	// The CRI client.
	"pkg/runtime": 1,
	// Built on the client.
	"pkg/ctrd":     2,
	"pkg/stream":   2,
	"pkg/diagnose": 3,
	"pkg/fleet":    4,
	// Output, then the commands.
	"pkg/printer": 5,
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

// testOnly are packages that shipped code must not import: fakes and the
// dev node. Test tools (test/..., cmd/gen-docs's corpus) may.
var testOnly = []string{"pkg/runtime/runtimetest", "test/"}

// shipped are the packages whose imports are checked: what goes into the
// binary. cmd/gen-docs renders docs from test/compat's allowed list.
func shipped(p string) bool {
	return (strings.HasPrefix(p, "pkg/") || strings.HasPrefix(p, "cmd/")) &&
		!under(p, "pkg/runtime/runtimetest") && p != "cmd/gen-docs"
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

// violations lists, sorted, every import in graph (package → its imports,
// module-relative) that goes up or sideways, reaches test-only code, or
// involves a package the layers do not place.
func violations(graph map[string][]string) []string {
	var out []string
	for p, imps := range graph {
		if !shipped(p) {
			continue
		}
		from, ok := rank(p)
		if !ok {
			out = append(out, fmt.Sprintf("%s has no layer: add it to layers in test/layering", p))
			continue
		}
		for _, q := range imps {
			if slices.ContainsFunc(testOnly, func(t string) bool { return under(q, t) }) {
				out = append(out, fmt.Sprintf("%s imports %s, which is test-only", p, q))
				continue
			}
			to, ok := rank(q)
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s imports %s, which has no layer: add it to layers in test/layering", p, q))
			case to >= from:
				out = append(out, fmt.Sprintf("%s (layer %d) imports %s (layer %d): imports must go to a lower layer", p, from, q, to))
			}
		}
	}
	sort.Strings(out)
	return out
}

// moduleGraph is the module's own import graph, from go list.
func moduleGraph(t *testing.T) map[string][]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], module) {
			continue
		}
		var own []string
		for _, q := range f[1:] {
			if rel, ok := strings.CutPrefix(q, module); ok {
				own = append(own, rel)
			}
		}
		graph[strings.TrimPrefix(f[0], module)] = own
	}
	return graph
}

func TestPackagesImportOnlyLowerLayers(t *testing.T) {
	graph := moduleGraph(t)
	for _, p := range []string{"pkg/runtime", "pkg/ctrd", "pkg/stream", "pkg/diagnose", "pkg/criconfig", "pkg/printer", "pkg/cricli", "cmd/ctr"} {
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
	for _, tc := range []struct {
		name  string
		graph map[string][]string
		want  string
	}{
		{"up", map[string][]string{"pkg/runtime": {"pkg/printer"}}, "pkg/runtime (layer 1) imports pkg/printer (layer 5): imports must go to a lower layer"},
		{"up from a new package", map[string][]string{"pkg/diagnose": {"pkg/cricli"}}, "pkg/diagnose (layer 3) imports pkg/cricli (layer 9): imports must go to a lower layer"},
		{"sideways", map[string][]string{"pkg/ctrd": {"pkg/stream"}}, "pkg/ctrd (layer 2) imports pkg/stream (layer 2): imports must go to a lower layer"},
		{"a fake", map[string][]string{"pkg/cricli": {"pkg/runtime/runtimetest"}}, "pkg/cricli imports pkg/runtime/runtimetest, which is test-only"},
		{"unplaced", map[string][]string{"pkg/newthing": {"pkg/runtime"}}, "pkg/newthing has no layer: add it to layers in test/layering"},
	} {
		if got := violations(tc.graph); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: %q, want [%q]", tc.name, got, tc.want)
		}
	}
	if got := violations(map[string][]string{"cmd/ctr": {"pkg/cricli"}, "pkg/cricli": {"pkg/printer", "pkg/runtime"}, "pkg/printer": {"pkg/diagnose"}}); len(got) != 0 {
		t.Errorf("a clean graph: %q", got)
	}
}
