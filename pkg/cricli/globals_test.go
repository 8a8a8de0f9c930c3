package cricli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
)

// criTree calls fn for every command under cri with its words after "cri".
func criTree(cmd *cli.Command, path []string, fn func(*cli.Command, []string)) {
	for _, sub := range cmd.Commands {
		p := append(slices.Clone(path), sub.Name)
		fn(sub, p)
		criTree(sub, p, fn)
	}
}

func criOf(root *cli.Command) *cli.Command {
	for _, c := range root.Commands {
		if c.Name == "cri" {
			return c
		}
	}
	panic("no cri command")
}

// TestEveryHelpListsTheGlobalsThatAct is finding #7 and A.11: every `ctr
// cri X --help` shows cri's global flags with their environment variables,
// and does not present ctr's --namespace or --debug as if they acted.
func TestEveryHelpListsTheGlobalsThatAct(t *testing.T) {
	n := 0
	criTree(criOf(ctrRoot()), nil, func(_ *cli.Command, words []string) {
		n++
		args := append(append([]string{"cri"}, words...), "--help")
		r := ctr(t, "", args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
			return
		}
		for _, want := range []string{"GLOBAL OPTIONS", "--runtime-endpoint string, -r string", "[$CONTAINER_RUNTIME_ENDPOINT]",
			"[$IMAGE_SERVICE_ENDPOINT]", "--timeout duration, -t duration", "[$CRI_CONFIG_FILE]", "--debug, -D", "--max-retries",
			"--address string, -a string", "--debug                          same as -D", `only "k8s.io" is accepted`} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: help lacks %q", args, want)
			}
		}
		for _, bad := range []string{`Namespace to use with commands (default: "default")`, "Enable debug output in logs"} {
			if strings.Contains(r.stdout, bad) {
				t.Errorf("%v: help still shows ctr's %q", args, bad)
			}
		}
	})
	if n < 38 {
		t.Errorf("walked %d commands, want every one", n)
	}
	// ctr cri's own help lists its globals under OPTIONS, and ctr's as they act.
	r := ctr(t, "", "cri", "--help").ok(t)
	if strings.Contains(r.stdout, `(default: "default")`) || !strings.Contains(r.stdout, "--debug                          same as -D") {
		t.Errorf("ctr cri --help:\n%s", r.stdout)
	}
	// ctr's own help is upstream's.
	if r := ctr(t, "", "--help").ok(t); !strings.Contains(r.stdout, "Namespace to use with commands") {
		t.Errorf("ctr --help lost upstream's --namespace:\n%s", r.stdout)
	}
}

// TestGlobalLongFormsAfterEveryCommand is finding #8: each global flag's
// long form works after every subcommand (ps --runtime-endpoint as pods
// --runtime-endpoint), reaching the same flag as before the subcommand. A
// name the subcommand defines itself keeps the subcommand's meaning: the
// exceptions are listed, so a new one is a decision.
func TestGlobalLongFormsAfterEveryCommand(t *testing.T) {
	dir := t.TempDir()
	own := map[string][]string{}
	criTree(criOf(ctrRoot()), nil, func(sub *cli.Command, words []string) {
		if sub.Name == "help" {
			return
		}
		probeRoot := ctrRoot()
		cri := criOf(probeRoot)
		cri.Before = nil // no tracing or profiles: only where the values land
		target := cri
		for _, w := range words {
			target = target.Command(w)
		}
		var globals []cli.Flag
		globals = append(globals, cri.Flags...)
		for _, f := range probeRoot.Flags {
			if slices.Contains([]string{"address", "connect-timeout"}, f.Names()[0]) {
				globals = append(globals, f)
			}
		}
		for _, g := range globals {
			long := g.Names()[0]
			if long == "help" {
				continue
			}
			if slices.ContainsFunc(target.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), long) }) {
				own[strings.Join(words, " ")] = append(own[strings.Join(words, " ")], long)
				continue
			}
			args := append(append([]string{"ctr", "cri"}, words...), "--"+long)
			want := ""
			switch g.(type) {
			case *cli.StringFlag:
				want = filepath.Join(dir, "probe")
			case *cli.DurationFlag:
				want = "7s"
			case *cli.IntFlag:
				want = "5"
			case *cli.BoolFlag:
				want = "true"
			}
			if want != "true" {
				args = append(args, want)
			}
			root := ctrRoot()
			c := criOf(root)
			leaf := c
			for _, w := range words {
				leaf = leaf.Command(w)
			}
			owner := c
			if !slices.Contains(c.Flags, g) && !slices.ContainsFunc(c.Flags, func(f cli.Flag) bool { return f.Names()[0] == long }) {
				owner = root
			}
			var got string
			var set bool
			leaf.Action = func(context.Context, *cli.Command) error {
				set = owner.IsSet(long)
				got = fmt.Sprint(owner.Value(long))
				return nil
			}
			leaf.Before = nil
			var out, errb bytes.Buffer
			code := Run(context.Background(), root, args, &out, &errb)
			if code != 0 || !set || got != want {
				t.Errorf("%v: exit %d (%s), set %v, value %q; want %q", args[1:], code, strings.TrimSpace(errb.String()), set, got, want)
			}
		}
	})
	want := map[string][]string{"exec": {"timeout"}, "stop": {"timeout"}}
	if fmt.Sprint(own) != fmt.Sprint(want) {
		t.Errorf("subcommands that define a global's long name themselves: %v, want %v", own, want)
	}
}

// TestCtrNamespaceUnderCri is finding #7: CRI objects live in containerd's
// k8s.io namespace. ctr -n k8s.io is accepted; any other -n is refused with
// one line before any call; CONTAINERD_NAMESPACE, meant for ctr's own
// commands, never breaks ctr cri.
func TestCtrNamespaceUnderCri(t *testing.T) {
	s := node(t)
	want := `ctr: cri: containerd namespace "foo" given with -n: CRI objects live in "k8s.io"; drop -n (ctr -n foo … is for ctr's own commands)` + "\n"
	for _, args := range [][]string{
		{"-n", "foo", "cri", "ps"},
		{"--namespace", "foo", "cri", "load", "x.tar"},
		{"cri", "-n", "foo", "ps"},
		{"cri", "version", "-n", "foo"},
	} {
		s.RuntimeCalls()
		r := ctr(t, s.Endpoint, args...).fails(t, 2)
		if r.stderr != want || r.stdout != "" {
			t.Errorf("%v: stderr %q, stdout %q; want %q", args, r.stderr, r.stdout, want)
		}
		if calls := s.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%v: made %v", args, calls)
		}
	}
	ctr(t, s.Endpoint, "-n", "k8s.io", "cri", "ps", "-q").ok(t)
	t.Setenv("CONTAINERD_NAMESPACE", "foo")
	if r := ctr(t, s.Endpoint, "cri", "ps", "-q").ok(t); len(strings.Fields(r.stdout)) != 2 {
		t.Errorf("with CONTAINERD_NAMESPACE=foo: %q", r.stdout)
	}
	// The variable does not excuse a flag that says otherwise.
	ctr(t, s.Endpoint, "-n", "bar", "cri", "ps").fails(t, 2, `containerd namespace "bar" given with -n`)
	// ps --namespace is ps's own filter (a regular expression), not ctr's.
	if r := ctr(t, s.Endpoint, "cri", "ps", "-q", "--namespace", "data").ok(t); len(strings.Fields(r.stdout)) != 1 {
		t.Errorf("ps --namespace data: %q", r.stdout)
	}
}

// TestCtrDebugIsCriDebug: ctr --debug traces the endpoint choice and the
// RPCs as ctr cri -D does.
func TestCtrDebugIsCriDebug(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "--debug", "cri", "pods", "-q")
	if r.code != 0 || !strings.Contains(r.stderr, "DEBUG: runtime endpoint "+s.Endpoint) || !strings.Contains(r.stderr, "ListPodSandbox") {
		t.Errorf("ctr --debug cri pods: exit %d, stderr %q; want the -D trace", r.code, r.stderr)
	}
}

// TestGlobalAfterCommandActs: a global after the subcommand does what it
// does before it (ps -r is ps's own flag; --runtime-endpoint is the
// global's), and a bad value is a usage error naming the flag.
func TestGlobalAfterCommandActs(t *testing.T) {
	s := node(t)
	r := ctr(t, "", "cri", "ps", "-q", "--runtime-endpoint", s.Endpoint).ok(t)
	if len(strings.Fields(r.stdout)) != 2 {
		t.Errorf("ps --runtime-endpoint: %q", r.stdout)
	}
	r = ctr(t, "", "cri", "ps", "-r", "-q", "--address", s.Endpoint).ok(t)
	if len(strings.Fields(r.stdout)) != 2 {
		t.Errorf("ps -r --address: %q", r.stdout)
	}
	ctr(t, "", "cri", "logs", "--runtime-endpoint", "/nonexistent/cri.sock", "nginx").fails(t, 3, "/nonexistent/cri.sock")
	// The crictl personality has the same rule (an allowed difference).
	r = crictl(t, "ps", "-q", "--runtime-endpoint", s.Endpoint).ok(t)
	if len(strings.Fields(r.stdout)) != 2 {
		t.Errorf("crictl ps --runtime-endpoint: %q", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "ps", "--timeout", "abc").fails(t, 2, "--timeout")
	ctr(t, s.Endpoint, "cri", "logs", "--max-retries", "x", "nginx").fails(t, 2, "max-retries")
}

// TestOneVersionEverywhere is finding #20 (A.1): ctr --version, ctr cri
// version, crictl --version and diagnose report one version, the one make
// stamps into Version.
func TestOneVersionEverywhere(t *testing.T) {
	defer func(v string) { cmdutil.Version = v }(cmdutil.Version)
	cmdutil.Version = "v1.2.3-4-gabcdef0"
	s := diagnoseNode(t)
	withContainerd(t, ctrdtest.Mirror(s))
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		r := ctr(t, "", args...).ok(t)
		if !strings.HasPrefix(r.stdout, "ctr version v1.2.3-4-gabcdef0 (github.com/containerd/containerd/v2 ") {
			t.Errorf("ctr %v: %q", args, r.stdout)
		}
	}
	if r := ctr(t, s.Endpoint, "cri", "version").ok(t); !strings.Contains(r.stdout, "Client Version:  v1.2.3-4-gabcdef0\n") {
		t.Errorf("ctr cri version:\n%s", r.stdout)
	}
	if r := crictl(t, "--version").ok(t); r.stdout != "crictl version v1.2.3-4-gabcdef0\n" {
		t.Errorf("crictl --version: %q", r.stdout)
	}
	if r := ctr(t, s.Endpoint, "cri", "diagnose", "-o", "json").ok(t); !strings.Contains(r.stdout, `"client": "v1.2.3-4-gabcdef0"`) {
		t.Errorf("diagnose -o json lacks the client version:\n%s", r.stdout)
	}
}
