package matrix

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// TestPins: one pin per line of the matrix, each the newest patch known,
// the newest line the containerd of the main go.mod (the one ctr links),
// and every tools module building both binaries from its pin.
func TestPins(t *testing.T) {
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Releases(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(Minors) || len(NewestKnown) != len(Minors) {
		t.Fatalf("%d releases, %d newest known, for lines %v", len(rs), len(NewestKnown), Minors)
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.Version, "v"+r.Minor+".") {
			t.Errorf("line %s pins %s %s, another line", r.Minor, r.Module, r.Version)
		}
		if r.Version != NewestKnown[r.Minor] {
			t.Errorf("line %s pins %s, the newest known patch is %s", r.Minor, r.Version, NewestKnown[r.Minor])
		}
		if r.Newest() {
			continue
		}
		gomod, err := os.ReadFile(filepath.Join(repo, r.Tools, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Packages() {
			if !strings.Contains(string(gomod), "\t"+p+"\n") {
				t.Errorf("%s/go.mod has no `tool %s`", r.Tools, p)
			}
		}
	}
	if last := rs[len(rs)-1]; !last.Newest() || last.Minor != Minors[len(Minors)-1] {
		t.Errorf("the newest line %+v is not the main go.mod's", last)
	}
	dirs, _ := filepath.Glob(filepath.Join(repo, "test", "tools", "containerd-*"))
	for _, d := range dirs {
		if m := strings.TrimPrefix(filepath.Base(d), "containerd-"); !slices.Contains(Minors, m) {
			t.Errorf("%s pins line %s, which the matrix does not run", d, m)
		}
	}
}

// TestNewestKnownIsNewest asks the Go module proxy, when allowed
// (CTRCRI_MATRIX_ONLINE=1), whether a line has a newer patch than its pin.
func TestNewestKnownIsNewest(t *testing.T) {
	if os.Getenv("CTRCRI_MATRIX_ONLINE") != "1" {
		t.Skip("set CTRCRI_MATRIX_ONLINE=1 to ask the Go module proxy")
	}
	for _, mod := range []string{"github.com/containerd/containerd", "github.com/containerd/containerd/v2"} {
		out, err := exec.Command("go", "list", "-m", "-versions", mod).Output()
		if err != nil {
			t.Fatalf("go list -m -versions %s: %v", mod, err)
		}
		for _, v := range strings.Fields(string(out))[1:] {
			minor, _, _ := strings.Cut(strings.TrimPrefix(v, "v")[2:], ".")
			line := strings.TrimPrefix(v, "v")[:2] + minor
			known, ok := NewestKnown[line]
			if ok && !strings.Contains(v, "-") && newer(v, known) {
				t.Errorf("containerd %s is served, newer than the pin %s of line %s", v, known, line)
			}
		}
	}
}

// newer compares vMAJOR.MINOR.PATCH of one line by their patch numbers.
func newer(a, b string) bool {
	pa, pb := a[strings.LastIndex(a, ".")+1:], b[strings.LastIndex(b, ".")+1:]
	return len(pa) > len(pb) || len(pa) == len(pb) && pa > pb
}
