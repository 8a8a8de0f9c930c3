// Package shellcomplete runs the checked-in completion scripts in real
// shells, as a TAB would, for the unit tests (against a fake runtime) and
// the e2e tests (against the dev node).
package shellcomplete

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// BashCompletion is bash-completion's library, which urfave/cli's bash
// script needs (_get_comp_words_by_ref or _comp_initialize).
const BashCompletion = "/usr/share/bash-completion/bash_completion"

// Need returns the path of a shell; when it is absent the test skips, or
// fails under CTRCRI_E2E=required (make test), where make deps installs it.
func Need(t testing.TB, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		missing(t, shell)
	}
	return path
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CTRCRI_E2E") == "required" {
		t.Fatalf("%s is not installed (make deps installs it)", what)
	}
	t.Skipf("%s is not installed (make deps installs it)", what)
}

// Env returns os.Environ() with binary on PATH as both ctr and crictl (the
// scripts call the program by name), HOME in a temporary directory, and
// extra appended.
func Env(t testing.TB, binary string, extra ...string) []string {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"ctr", "crictl"} {
		if err := os.Symlink(binary, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	return append(env, extra...)
}

// bashDriver is what bash does on TAB, minus readline: the line typed so
// far in COMP_LINE, its words split at blanks and at COMP_WORDBREAKS ("="
// and ":" are words of their own) in COMP_WORDS (the last is the word under
// the cursor, often empty), then the function the script registered with
// complete -F; it prints COMPREPLY, one a line.
const bashDriver = `
[[ -z $BASH_COMPLETION ]] || source "$BASH_COMPLETION"
source "$SCRIPT"
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMP_POINT=${#COMP_LINE}
spec=$(complete -p "$PROG") && fn=${spec##*-F } && fn=${fn%% *} || exit 1
"$fn" "$PROG" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
if [[ -n $NUL ]]; then printf '%s\0' "${COMPREPLY[@]}"; else printf '%s\n' "${COMPREPLY[@]}"; fi
`

// compWords splits typed words as bash does for COMP_WORDS: "=" and ":"
// (in COMP_WORDBREAKS) become words of their own.
func compWords(words []string) []string {
	var out []string
	for _, w := range words {
		start := len(out)
		for {
			i := strings.IndexAny(w, "=:")
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, w[:i])
			}
			out = append(out, w[i:i+1])
			w = w[i+1:]
		}
		if w != "" || len(out) == start {
			out = append(out, w)
		}
	}
	return out
}

// Bash returns what TAB offers after words in bash with the script from
// dir (completions/<words[0]>.bash). With list, bash is listing the matches
// (the second TAB, COMP_TYPE 63), which shows descriptions: the lines are
// returned whole. Anything on bash's stderr fails the test.
func Bash(t testing.TB, dir string, env []string, list bool, words ...string) []string {
	t.Helper()
	if _, err := os.Stat(BashCompletion); err != nil {
		missing(t, "bash-completion ("+BashCompletion+")")
	}
	return bash(t, dir, env, list, BashCompletion, "", words...)
}

// BashIn is Bash run in the working directory cwd, where file names
// complete from.
func BashIn(t testing.TB, dir string, env []string, cwd string, words ...string) []string {
	t.Helper()
	if _, err := os.Stat(BashCompletion); err != nil {
		missing(t, "bash-completion ("+BashCompletion+")")
	}
	return bash(t, dir, env, false, BashCompletion, cwd, words...)
}

// BashCandidates is BashIn returning each candidate exactly as bash holds
// it in COMPREPLY (separated by NUL, not trimmed): a file name containing
// a newline is one candidate.
func BashCandidates(t testing.TB, dir string, env []string, cwd string, words ...string) []string {
	t.Helper()
	if _, err := os.Stat(BashCompletion); err != nil {
		missing(t, "bash-completion ("+BashCompletion+")")
	}
	sh := Need(t, "bash")
	cmd := exec.Command(sh, append([]string{"--norc", "--noprofile", "-c", bashDriver, "bash"}, compWords(words)...)...)
	cmd.Env = append(env, "PROG="+words[0], "COMP_LINE="+strings.Join(words, " "), "SCRIPT="+filepath.Join(dir, words[0]+".bash"),
		"BASH_COMPLETION="+BashCompletion, "COMP_TYPE=9", "NUL=1")
	cmd.Dir = cwd
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash completion of %q: %v\n%s", words, err, stderr.String())
	}
	var got []string
	for _, c := range strings.Split(string(out), "\x00") {
		if c != "" {
			got = append(got, c)
		}
	}
	return got
}

// BashAlone is Bash without the bash-completion package loaded, as on a
// minimal host: the scripts must not need it.
func BashAlone(t testing.TB, dir string, env []string, list bool, words ...string) []string {
	t.Helper()
	return bash(t, dir, env, list, "", "", words...)
}

func bash(t testing.TB, dir string, env []string, list bool, lib, cwd string, words ...string) []string {
	t.Helper()
	sh := Need(t, "bash")
	prog := words[0]
	compType := "9" // a normal completion
	if list {
		compType = "63"
	}
	cmd := exec.Command(sh, append([]string{"--norc", "--noprofile", "-c", bashDriver, "bash"}, compWords(words)...)...)
	cmd.Env = append(env, "PROG="+prog, "COMP_LINE="+strings.Join(words, " "), "SCRIPT="+filepath.Join(dir, prog+".bash"),
		"BASH_COMPLETION="+lib, "COMP_TYPE="+compType)
	cmd.Dir = cwd
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash completion of %q: %v\n%s", words, err, stderr.String())
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// Fish returns what fish completes for a command line (complete -C) with
// the script from dir, as word → description.
func Fish(t testing.TB, dir string, env []string, prog, line string) map[string]string {
	t.Helper()
	return FishIn(t, dir, env, "", prog, line)
}

// FishIn is Fish run in the working directory cwd, where file names
// complete from.
func FishIn(t testing.TB, dir string, env []string, cwd, prog, line string) map[string]string {
	t.Helper()
	sh := Need(t, "fish")
	script := "source " + filepath.Join(dir, prog+".fish") + "; complete -C '" + line + "'"
	cmd := exec.Command(sh, "--no-config", "-c", script)
	cmd.Env = env
	cmd.Dir = cwd
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("fish completion of %q: %v\n%s", line, err, stderr.String())
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if w, d, _ := strings.Cut(l, "\t"); w != "" {
			got[w] = d
		}
	}
	return got
}

// ZshLoads fails the test unless zsh, with its completion system, sources
// the script from dir without a word and registers _<prog> for prog.
func ZshLoads(t testing.TB, dir, prog string) {
	t.Helper()
	sh := Need(t, "zsh")
	script := "autoload -Uz compinit && compinit -u -D && source " + filepath.Join(dir, prog+".zsh") +
		" && (( $+functions[_" + prog + "] )) && [[ $_comps[" + prog + "] == _" + prog + " ]]"
	cmd := exec.Command(sh, "-f", "-c", script)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("zsh could not load %s.zsh: %v\n%s", prog, err, out)
	}
}

// zshDriver types a line and TAB into an interactive zsh on a pseudo
// terminal (zpty), with the completion system loaded and the script from
// $SCRIPT sourced, in $CWD. compadd is wrapped to write every match it is
// given to $HITS, so whatever _describe and _files offer is seen, as the
// completion system itself computed it; READY and DONE lines in $HITS
// sequence the session (typeahead sent before the prompt is dropped).
const zshDriver = `
zmodload zsh/zpty || exit 1
waitfor() {
	local i
	for i in {1..200}; do
		[[ -f $HITS ]] && grep -qx "$1" $HITS && return 0
		sleep 0.05
	done
	print -u2 "zsh driver: no $1"
	exit 1
}
zpty z 'zsh -f -i'
zpty -w z 'PS1="%% "; autoload -Uz compinit; compinit -u -D; source $SCRIPT; compadd() { builtin compadd "$@"; local -a h; local x; builtin compadd -O h "$@"; for x in $h; do print -r -- "$x" >> $HITS; done }; cd $CWD; print READY >> $HITS'
waitfor READY
zpty -w -n z "$LINE"$'\t'
zpty -w z $'\C-u print DONE >> $HITS'
waitfor DONE
zpty -d z
`

// Zsh returns the matches zsh's completion system offers on TAB after
// line, typed in an interactive zsh with the script for prog from dir
// loaded, in the working directory cwd.
func Zsh(t testing.TB, dir string, env []string, cwd, prog, line string) []string {
	t.Helper()
	sh := Need(t, "zsh")
	hits := filepath.Join(t.TempDir(), "hits")
	cmd := exec.Command(sh, "-f", "-c", zshDriver)
	cmd.Env = append(env, "SCRIPT="+filepath.Join(dir, prog+".zsh"), "HITS="+hits, "CWD="+cwd, "LINE="+line)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zsh completion of %q: %v\n%s", line, err, out)
	}
	data, err := os.ReadFile(hits)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l != "READY" && l != "DONE" && !slices.Contains(got, l) {
			got = append(got, l)
		}
	}
	return got
}
