package layering_test

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestReadmeLayoutNamesEveryPackage keeps README's layout table whole: a
// package added under pkg/ or cmd/ must get a row (or a name in its parent's
// row) before it lands, so the map a newcomer reads is the real one.
func TestReadmeLayoutNamesEveryPackage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := layoutRows(string(b))
	if len(rows) == 0 {
		t.Fatal("README.md has no table under \"## Layout\"")
	}
	var missing []string
	for p := range moduleGraph(t) {
		if (strings.HasPrefix(p, "pkg/") || strings.HasPrefix(p, "cmd/")) && !named(rows, p) {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("README.md's layout does not name %s", p)
	}
}

// layoutRows returns the first cell of each table row in the "## Layout"
// section.
func layoutRows(readme string) []string {
	_, sec, ok := strings.Cut(readme, "\n## Layout\n")
	if !ok {
		return nil
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	var cells []string
	for _, line := range strings.Split(sec, "\n") {
		if f := strings.Split(line, "|"); len(f) > 2 && strings.HasPrefix(line, "|") {
			cells = append(cells, f[1])
		}
	}
	return cells
}

// named: a row names p in full, or names its last element beside its
// parent ("`pkg/ctrd` (`ctrdtest`)", "`pkg/criconfig` `wirejson`").
func named(rows []string, p string) bool {
	for _, c := range rows {
		if strings.Contains(c, "`"+p+"`") ||
			strings.Contains(c, "`"+path.Dir(p)) && strings.Contains(c, "`"+path.Base(p)+"`") {
			return true
		}
	}
	return false
}
