package cricli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
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
		"logs":         func(n int) bool { return n > 1 },
		"metricdescs":  func(n int) bool { return n > 0 },
		"metricsp":     func(n int) bool { return n > 0 },
		"port-forward": func(n int) bool { return n < 2 },
		"ps":           func(n int) bool { return n != 0 },
		"pull":         func(n int) bool { return n > 1 },
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

// Every command that declares its arguments refuses one too few and one too
// many with the usage error worded from the declaration, and no count
// check of its own refuses a count the declaration allows: the declaration
// and the check cannot drift apart.
func TestArityFollowsDeclaration(t *testing.T) {
	const unreachable = "/nonexistent/cri.sock" // a command that gets past its arguments fails fast
	ownCount := regexp.MustCompile(`takes |got \d+ argument|needs exactly|at most one`)
	var walk func(cmd *cli.Command, path []string)
	walk = func(cmd *cli.Command, path []string) {
		for _, sub := range cmd.Commands {
			walk(sub, append(slices.Clip(path), sub.Name))
		}
		if _, declared := cmd.Metadata["ctrcri.args"]; !declared || cmd.Action == nil || len(path) == 0 {
			return
		}
		s := cmdutil.ArgSpecOf(cmd)
		name := strings.Join(path, " ")
		run := func(n int) result {
			args := append([]string{"cri"}, path...)
			for i := 0; i < n; i++ {
				args = append(args, fmt.Sprintf("arg%d", i))
			}
			return ctr(t, unreachable, args...)
		}
		refused := func(n int) {
			takes := "no arguments"
			if s.MaxArgs() != 0 {
				takes = s.ArgWords()
			}
			noun := "arguments"
			if n == 1 {
				noun = "argument"
			}
			want := fmt.Sprintf("ctr: %s takes %s, got %d %s\n", name, takes, n, noun)
			if r := run(n); r.code != ExitUsage || r.stderr != want || r.stdout != "" {
				t.Errorf("%s with %d arguments: exit %d, stderr %q, stdout %q; want exit %d, stderr %q", name, n, r.code, r.stderr, r.stdout, ExitUsage, want)
			}
		}
		allowed := func(n int) {
			if r := run(n); ownCount.MatchString(r.stderr) {
				t.Errorf("%s with %d arguments, which its declaration allows: exit %d, stderr %q", name, n, r.code, r.stderr)
			}
		}
		if s.Min > 0 {
			refused(s.Min - 1)
		}
		allowed(s.Min)
		if most := s.MaxArgs(); most != cmdutil.ArgsMany {
			if most > s.Min {
				allowed(most)
			}
			refused(most + 1)
		}
	}
	walk(NewCommand(Options{}), nil)
}

// A synopsis names the arguments in the words the arity check quotes.
func TestSynopsisNamesDeclaredArguments(t *testing.T) {
	var walk func(cmd *cli.Command)
	walk = func(cmd *cli.Command) {
		for _, sub := range cmd.Commands {
			walk(sub)
		}
		s := cmdutil.ArgSpecOf(cmd)
		words := s.ArgWords()
		if s.MaxArgs() != 0 && words == "" {
			t.Errorf("%s takes arguments but its declaration does not name them (ArgSpec.Synopsis)", cmd.Name)
		}
		if cmd.UsageText == "" || words == "" {
			return
		}
		if !slices.ContainsFunc(strings.Split(cmd.UsageText, "\n"), func(l string) bool { return strings.Contains(l, " "+words) }) {
			t.Errorf("%s: synopsis %q does not name the declared arguments %q", cmd.Name, cmd.UsageText, words)
		}
	}
	walk(NewCommand(Options{}))
}
