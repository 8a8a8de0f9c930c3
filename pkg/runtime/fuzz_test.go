package runtime

import (
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/test/fuzzbound"
)

// FuzzFiltersAndLabels: label, state, image filter and name regex parsing
// never panic, and what they accept round-trips.
func FuzzFiltersAndLabels(f *testing.F) {
	for _, s := range []string{"app=web", "a=", "=b", "a=b=c", "dangling=true", "before=", "reference=busy*", "running", "(", "[a-", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseLabels([]string{s}); err == nil {
			k, v, _ := strings.Cut(s, "=")
			if m[k] != v {
				t.Fatalf("ParseLabels(%q) = %v", s, m)
			}
		}
		if flt, err := ParseImageFilters([]string{s}); err == nil && strings.HasSuffix(s, "=") && strings.Count(s, "=") == 1 {
			t.Fatalf("ParseImageFilters(%q) accepted an empty value: %+v", s, flt)
		}
		ParseContainerState(s)
		ParsePodState(s)
		fuzzbound.Run(t, "compile", func() {
			if re, err := compile("name", s); err == nil {
				matches(re, s)
			}
		})
	})
}

type fuzzItem struct{ id, name string }

// FuzzPick: resolving a reference returns an object it names exactly (ID
// or name) or by ID prefix, never anything else; "" is refused.
func FuzzPick(f *testing.F) {
	f.Add("c3d4", "c3d4e5f6", "nginx", "c3d4ffff", "nginx")
	f.Add("", "a", "b", "c", "d")
	f.Add("sha256:", "sha256:aa", "x", "sha256:bb", "y")
	f.Add("nginx", "1", "nginx", "2", "nginx")
	f.Fuzz(func(t *testing.T, ref, id1, name1, id2, name2 string) {
		items := []fuzzItem{{id1, name1}, {id2, name2}}
		got, err := pick("inspect", ref, items, func(i fuzzItem) string { return i.id },
			func(i fuzzItem) []string { return []string{i.name} }, func(fuzzItem) bool { return false },
			func(i fuzzItem) string { return i.id })
		if ref == "" {
			if KindOf(err) != KindInvalid {
				t.Fatalf("empty ref: %v", err)
			}
			return
		}
		if err == nil && got.id != ref && got.name != ref && !strings.HasPrefix(got.id, ref) {
			t.Fatalf("pick(%q) = %+v, which it does not name", ref, got)
		}
	})
}
