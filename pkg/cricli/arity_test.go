package cricli

import (
	"strings"
	"testing"
)

// Where crictl's help-instead-of-running test is the argument count alone,
// the crictl personality derives it from the arity each command declares;
// it must agree with crictl's own test (cri-tools v1.37.0) on every count,
// the right ones included.
func TestCrictlHelpFollowsDeclaredArity(t *testing.T) {
	s := node(t)
	crictlRule := map[string]func(n int) bool{
		"completion":   func(n int) bool { return n > 1 },
		"create":       func(n int) bool { return n != 3 },
		"events":       func(n int) bool { return n != 0 },
		"images":       func(n int) bool { return n > 1 },
		"info":         func(n int) bool { return n != 0 },
		"metricdescs":  func(n int) bool { return n > 0 },
		"metricsp":     func(n int) bool { return n > 0 },
		"port-forward": func(n int) bool { return n < 2 },
		"ps":           func(n int) bool { return n != 0 },
		"run":          func(n int) bool { return n != 2 },
		"runp":         func(n int) bool { return n != 1 },
		"version":      func(n int) bool { return n != 0 },
	}
	for name, rule := range crictlRule {
		for n := 0; n <= 4; n++ {
			args := []string{"-r", s.Endpoint, name}
			for i := 0; i < n; i++ {
				args = append(args, "nosuch"+strings.Repeat("x", i))
			}
			r := crictl(t, args...)
			help := r.code == 0 && strings.Contains(r.stdout, "USAGE:") && strings.Contains(r.stdout, "crictl "+name)
			if help != rule(n) {
				t.Errorf("crictl %s with %d arguments: help %v, crictl's %v (exit %d, stderr %q)", name, n, help, rule(n), r.code, r.stderr)
			}
		}
	}
}
