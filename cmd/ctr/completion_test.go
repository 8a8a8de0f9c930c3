package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// The shell tests run the checked-in completion scripts in real shells. The
// scripts call `ctr` (or `crictl`) from PATH: that is this test binary under
// those names, which TestMain turns into the real main.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "ctr", "crictl":
		main()
	}
	os.Exit(m.Run())
}

const (
	podWeb  = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
	podDB   = "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3"
	ctrWeb  = "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrDone = "c3d4ffffa7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrDB   = "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"
	imgBox  = "e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2"
)

// shellEnv starts a fake runtime with a small node on it and returns the
// environment a shell needs to complete against it through the binary.
func shellEnv(t *testing.T) []string {
	t.Helper()
	s := runtimetest.New(t)
	s.SetPods(
		runtimetest.Pod{ID: podWeb, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY},
		runtimetest.Pod{ID: podDB, Name: "db", Namespace: "data", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY},
	)
	s.SetContainers(
		runtimetest.Container{ID: ctrWeb, Name: "nginx", PodID: podWeb, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		runtimetest.Container{ID: ctrDone, Name: "migrate", PodID: podWeb, State: runtimeapi.ContainerState_CONTAINER_EXITED},
		runtimetest.Container{ID: ctrDB, Name: "postgres", PodID: podDB, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	)
	s.SetImages(&runtimeapi.Image{Id: "sha256:" + imgBox, RepoTags: []string{"docker.io/library/busybox:1.36"}})
	return withRuntime(t, s.Endpoint)
}

func withRuntime(t *testing.T, endpoint string) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, name := range []string{"ctr", "crictl"} {
		if err := os.Symlink(self, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"CONTAINER_RUNTIME_ENDPOINT="+endpoint,
		"CRI_CONFIG_FILE=", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
}

// needShell finds a shell, skipping when it is absent unless CI requires it.
func needShell(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name)
	}
	return path
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CTRCRI_E2E") == "required" {
		t.Fatalf("%s is not installed (make deps installs it)", what)
	}
	t.Skipf("%s is not installed (make deps installs it)", what)
}

const bashCompletion = "/usr/share/bash-completion/bash_completion"

// bashDriver is what bash runs on TAB, minus readline: the words typed so far
// (the last is the word under the cursor, often empty) in COMP_WORDS, then
// the script's completion function; it prints COMPREPLY one per line.
const bashDriver = `
source ` + bashCompletion + `
source "$SCRIPT"
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
__${PROG}_bash_autocomplete
printf '%s\n' "${COMPREPLY[@]}"
`

// bashComplete returns what TAB offers after words in bash, and bash's stderr.
func bashComplete(t *testing.T, env []string, compType string, words ...string) []string {
	t.Helper()
	sh := needShell(t, "bash")
	if _, err := os.Stat(bashCompletion); err != nil {
		missing(t, "bash-completion ("+bashCompletion+")")
	}
	prog := words[0]
	cmd := exec.Command(sh, append([]string{"--norc", "--noprofile", "-c", bashDriver, "bash"}, words...)...)
	cmd.Env = append(env, "PROG="+prog, "SCRIPT="+filepath.Join("..", "..", "completions", prog+".bash"), "COMP_TYPE="+compType)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash completion of %q: %v\n%s", words, err, stderr.String())
	}
	return strings.Fields(strings.TrimSpace(string(out)))
}

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func TestBashCompletesFromTheRuntime(t *testing.T) {
	env := shellEnv(t)
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"ctr", "cri", "inspect", ""}, []string{ctrWeb, "nginx", ctrDone, "migrate", ctrDB, "postgres"}},
		{[]string{"ctr", "cri", "inspect", "ng"}, []string{"nginx"}},
		{[]string{"ctr", "cri", "inspect", "c3d4f"}, []string{ctrDone}},
		{[]string{"ctr", "cri", "inspectp", ""}, []string{podWeb, "web", "shop/web", podDB, "db", "data/db"}},
		{[]string{"ctr", "cri", "inspecti", ""}, []string{imgBox}},
		{[]string{"ctr", "cri", "ps", "--pod", "b"}, []string{podDB}},
		{[]string{"ctr", "cri", "ps", "-o", ""}, []string{"table", "wide", "json", "yaml", "go-template=", "jsonpath=", "custom-columns="}},
		{[]string{"ctr", "cri", "pods", "--state", ""}, []string{"ready", "notready"}},
		{[]string{"ctr", "cri", "ps", "--st"}, []string{"--state"}},
		{[]string{"ctr", "cri", "insp"}, []string{"inspect", "inspectp", "inspecti"}},
		{[]string{"ctr", "cri", "completion", ""}, []string{"bash", "zsh", "fish", "pwsh"}},
		{[]string{"crictl", "inspect", "ng"}, []string{"nginx"}},
		{[]string{"crictl", "inspectp", ""}, []string{podWeb, "web", "shop/web", podDB, "db", "data/db"}},
	} {
		t.Run(strings.Join(tc.words, " "), func(t *testing.T) {
			if got := bashComplete(t, env, "9", tc.words...); !sameSet(got, tc.want) {
				t.Errorf("TAB offered %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBashListsDescriptions(t *testing.T) {
	env := shellEnv(t)
	// COMP_TYPE 63 is bash listing the matches (second TAB): with descriptions.
	out := strings.Join(bashComplete(t, env, "63", "ctr", "cri", "inspecti", ""), " ")
	if !strings.Contains(out, imgBox) || !strings.Contains(out, "docker.io/library/busybox:1.36") {
		t.Errorf("listing shows %q, want the image ID with its tag", out)
	}
}

func TestBashOffersNothingWhenTheRuntimeIsDown(t *testing.T) {
	env := withRuntime(t, "unix://"+filepath.Join(t.TempDir(), "gone.sock"))
	if got := bashComplete(t, env, "9", "ctr", "cri", "inspect", ""); len(got) != 0 {
		t.Errorf("TAB offered %q with no runtime", got)
	}
}

func TestFishCompletesFromTheRuntime(t *testing.T) {
	sh := needShell(t, "fish")
	env := shellEnv(t)
	for _, prog := range []string{"ctr", "crictl"} {
		line := "ctr cri inspectp "
		if prog == "crictl" {
			line = "crictl inspectp "
		}
		script := "source " + filepath.Join("..", "..", "completions", prog+".fish") + "; complete -C '" + line + "'"
		cmd := exec.Command(sh, "--no-config", "-c", script)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("fish: %v\n%s", err, stderr.String())
		}
		got := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			w, d, _ := strings.Cut(l, "\t")
			got[w] = d
		}
		if got[podWeb] != "shop/web (ready)" || got["data/db"] == "" {
			t.Errorf("%s: fish completed %q", prog, out)
		}
	}
}

func TestZshScriptsLoad(t *testing.T) {
	sh := needShell(t, "zsh")
	for _, prog := range []string{"ctr", "crictl"} {
		script := "autoload -Uz compinit && compinit -u -D && source " + filepath.Join("..", "..", "completions", prog+".zsh") +
			" && (( $+functions[_" + prog + "] )) && [[ $_comps[" + prog + "] == _" + prog + " ]]"
		cmd := exec.Command(sh, "-f", "-c", script)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("zsh could not load completions/%s.zsh: %v\n%s", prog, err, out)
		}
	}
}
