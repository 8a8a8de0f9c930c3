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
			if k, v, eq := strings.Cut(s, "="); eq && !strings.ContainsAny(k, "!") && m.Equal()[k] != v {
				t.Fatalf("ParseLabels(%q) = %v", s, m)
			}
			m.Matches(map[string]string{s: s})
		}
		if flt, err := ParseImageFilters([]string{s}); err == nil && strings.HasSuffix(s, "=") && strings.Count(s, "=") == 1 {
			t.Fatalf("ParseImageFilters(%q) accepted an empty value: %+v", s, flt)
		}
		_, _ = ParseContainerState(s)
		_, _ = ParsePodState(s)
		fuzzbound.Run(t, "compile", func() {
			if re, err := compile("name", s); err == nil {
				matches(re, s)
			}
		})
	})
}

type fuzzItem struct {
	id, name, group string
	attempt         uint32
}

// FuzzPick: resolving a reference returns an object it names exactly (ID
// or name) or by ID prefix, never anything else; "" is refused.
func FuzzPick(f *testing.F) {
	f.Add("c3d4", "c3d4e5f6", "nginx", "c3d4ffff", "nginx", "p", "p")
	f.Add("", "a", "b", "c", "d", "p", "q")
	f.Add("sha256:", "sha256:aa", "x", "sha256:bb", "y", "p", "p")
	f.Add("nginx", "1", "nginx", "2", "nginx", "p", "q")
	f.Fuzz(func(t *testing.T, ref, id1, name1, id2, name2, group1, group2 string) {
		items := []fuzzItem{{id1, name1, group1, 0}, {id2, name2, group2, 1}}
		r := resolver[fuzzItem]{op: "inspect",
			id:       func(i fuzzItem) string { return i.id },
			names:    func(i fuzzItem) []string { return []string{i.name} },
			group:    func(i fuzzItem) string { return i.group },
			newer:    func(a, b fuzzItem) bool { return a.attempt > b.attempt },
			describe: func(i fuzzItem) string { return i.id }}
		got, err := r.pick(ref, items)
		if err == nil && id1 != id2 && name1 == ref && name2 == ref && id1 != ref && id2 != ref && group1 == group2 && got.attempt != 1 {
			t.Fatalf("pick(%q) = %+v, not the newest attempt", ref, got)
		}
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
