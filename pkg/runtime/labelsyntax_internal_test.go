package runtime

import (
	"regexp"
	"testing"
)

// The label syntax Kubernetes states as regexps; isLabelName and
// isDNSSubdomain are these, written out for start-up.
var (
	labelNameRE    = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// FuzzLabelSyntax: a label key or value is accepted exactly when
// Kubernetes' regexps accept it.
func FuzzLabelSyntax(f *testing.F) {
	for _, s := range []string{"", "a", "A", "0", "-", ".", "_", "a-", "-a", "a.b", "a..b", ".a", "a.", "a_b", "A_b.c-D",
		"example.com", "Example.com", "ex-ample.c0m", "ex_ample.com", "a.-b", "a-.b", "x\n", "\na", "é", "a\x00b", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isLabelName(s), labelNameRE.MatchString(s); got != want {
			t.Errorf("isLabelName(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := isDNSSubdomain(s), dnsSubdomainRE.MatchString(s); got != want {
			t.Errorf("isDNSSubdomain(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}
