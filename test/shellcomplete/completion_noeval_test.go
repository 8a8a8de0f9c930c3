package shellcomplete_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/test/shellcomplete"
)

// probes are words an operator might type or paste before pressing TAB;
// completing must never run them. Each would create a file under dir.
func probes(dir string) []string {
	p := filepath.Join(dir, "pwned")
	return []string{`"$(touch ` + p + `1)"`, "`touch " + p + "2`", `$(touch ` + p + `3)`, `"${x:-$(touch ` + p + `4)}"`}
}

func assertNotRun(t *testing.T, dir string) {
	t.Helper()
	if m, _ := filepath.Glob(filepath.Join(dir, "pwned*")); len(m) > 0 {
		t.Fatalf("TAB executed what was typed: %v exists", m)
	}
}

// F16: bash's TAB passes the typed words to the binary as arguments, with
// or without the bash-completion package; nothing is evaluated.
func TestBashTABNeverRunsWhatWasTyped(t *testing.T) {
	env := shellEnv(t)
	dir := t.TempDir()
	for _, bash := range []func(testing.TB, string, []string, bool, ...string) []string{
		shellcomplete.Bash, shellcomplete.BashAlone,
	} {
		for _, p := range probes(dir) {
			bash(t, scripts, env, true, "ctr", "cri", "ps", "--pod", p)
			assertNotRun(t, dir)
			// An earlier word, then the word under the cursor.
			if got := bash(t, scripts, env, false, "ctr", "cri", "inspect", p, "ng"); !sameSet(got, []string{"nginx"}) {
				t.Errorf("after %s TAB offered %q, want nginx", p, got)
			}
			bash(t, scripts, env, false, "crictl", "inspect", p)
			assertNotRun(t, dir)
		}
	}
}

// C30: the bash script works without the bash-completion package, like
// crictl's, including words bash splits at "=" and ":".
func TestBashCompletesWithoutBashCompletion(t *testing.T) {
	env := shellEnv(t)
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"ctr", "cri", "inspect", "ng"}, []string{"nginx"}},
		{[]string{"ctr", "cri", "inspectp", ""}, []string{podWeb, "web", "shop/web", podDB, "db", "data/db"}},
		{[]string{"ctr", "cri", "ps", "-o", "j"}, []string{"json", "jsonpath="}},
		{[]string{"ctr", "cri", "ps", "--output=js"}, []string{"json", "jsonpath="}},
		{[]string{"ctr", "cri", "ps", "--st"}, []string{"--state"}},
		{[]string{"ctr", "cri", "insp"}, []string{"inspect", "inspectp", "inspecti"}},
		{[]string{"crictl", "inspect", "ng"}, []string{"nginx"}},
		{[]string{"crictl", "pods", "--state=r"}, []string{"ready"}},
	} {
		if got := shellcomplete.BashAlone(t, scripts, env, false, tc.words...); !sameSet(got, tc.want) {
			t.Errorf("%q: TAB offered %q, want %q", tc.words, got, tc.want)
		}
	}
	got := shellcomplete.BashAlone(t, scripts, env, true, "ctr", "cri", "inspecti", "")
	if len(got) != 1 || !strings.HasSuffix(got[0], "-- docker.io/library/busybox:1.36") {
		t.Errorf("second TAB lists %q, want the image ID with its tag", got)
	}
}

// F16 in fish: the typed words reach the binary unevaluated.
func TestFishTABNeverRunsWhatWasTyped(t *testing.T) {
	env := shellEnv(t)
	dir := t.TempDir()
	for _, p := range probes(dir) {
		if strings.Contains(p, "'") {
			continue
		}
		got := shellcomplete.Fish(t, scripts, env, "ctr", "ctr cri inspect "+p+" ng")
		if _, ok := got["nginx"]; !ok {
			t.Errorf("after %s fish offered %q, want nginx", p, got)
		}
	}
	assertNotRun(t, dir)
}

// F16 in zsh: the script's function, with the completion system's
// _describe standing in as a printer, passes words as arguments.
func TestZshTABNeverRunsWhatWasTyped(t *testing.T) {
	sh := shellcomplete.Need(t, "zsh")
	env := shellEnv(t)
	dir := t.TempDir()
	for _, prog := range []string{"ctr", "crictl"} {
		for _, p := range probes(dir) {
			words := "ctr cri inspect " + p + " ng"
			if prog == "crictl" {
				words = "crictl inspect " + p + " ng"
			}
			script := `compdef() { :; }; _describe() { print -rl -- ${(P)2}; }; _files() { :; }
source ` + filepath.Join(scripts, prog+".zsh") + `
words=(${(z)WORDS}); _` + prog
			cmd := exec.Command(sh, "-f", "-c", script)
			cmd.Env = append(env, "WORDS="+words)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "nginx") {
				t.Errorf("zsh %s after %s: %v\n%s", prog, p, err, out)
			}
		}
	}
	assertNotRun(t, dir)
}
