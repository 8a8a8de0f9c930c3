package shellcomplete_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
	"github.com/ctrcri/ctrcri/test/shellcomplete"
)

// The shell tests run the checked-in completion scripts in real shells. The
// scripts call `ctr` (or `crictl`) from PATH: that is this test binary under
// those names, which TestMain turns into cmd/ctr's main (less its GC tuning,
// which completion does not see). Here, not beside cmd/ctr: nothing under
// cmd/ imports test/.
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "ctr", "crictl":
		os.Exit(cricli.Main(app.New))
	}
	os.Exit(m.Run())
}

var scripts = filepath.Join("..", "..", "completions")

const (
	podWeb  = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
	podDB   = "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3"
	ctrWeb  = "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrDone = "c3d4ffffa7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrDB   = "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"
	imgBox  = "e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2"
)

// shellEnv starts a fake runtime with a small node on it and returns the
// environment in which the scripts complete against it.
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
	return env(t, s.Endpoint)
}

func env(t *testing.T, endpoint string) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return shellcomplete.Env(t, self, "CONTAINER_RUNTIME_ENDPOINT="+endpoint, "CRI_CONFIG_FILE=")
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
			if got := shellcomplete.Bash(t, scripts, env, false, tc.words...); !sameSet(got, tc.want) {
				t.Errorf("TAB offered %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBashListsDescriptions(t *testing.T) {
	env := shellEnv(t)
	got := shellcomplete.Bash(t, scripts, env, true, "ctr", "cri", "inspecti", "")
	if len(got) != 1 || !strings.HasPrefix(got[0], imgBox) || !strings.HasSuffix(got[0], "-- docker.io/library/busybox:1.36") {
		t.Errorf("second TAB lists %q, want the image ID with its tag", got)
	}
}

func TestBashOffersNothingWhenTheRuntimeIsDown(t *testing.T) {
	env := env(t, "unix://"+filepath.Join(t.TempDir(), "gone.sock"))
	if got := shellcomplete.Bash(t, scripts, env, false, "ctr", "cri", "inspect", ""); len(got) != 0 {
		t.Errorf("TAB offered %q with no runtime", got)
	}
}

func TestFishCompletesFromTheRuntime(t *testing.T) {
	env := shellEnv(t)
	for prog, line := range map[string]string{"ctr": "ctr cri inspectp ", "crictl": "crictl inspectp "} {
		got := shellcomplete.Fish(t, scripts, env, prog, line)
		if got[podWeb] != "shop/web (ready)" || got["data/db"] == "" {
			t.Errorf("fish completed %q as %q", line, got)
		}
	}
}

func TestZshScriptsLoad(t *testing.T) {
	for _, prog := range []string{"ctr", "crictl"} {
		shellcomplete.ZshLoads(t, scripts, prog)
	}
}

// Finding #5: where a command takes a file (a config, an archive, a
// --pod-config or -c), TAB offers the files of the current directory in
// bash, zsh and fish, next to what else fits there; where it takes IDs, it
// offers the IDs and no files.
func TestFileArgumentsCompleteFilesInEveryShell(t *testing.T) {
	env := shellEnv(t)
	cwd := t.TempDir()
	scripts, err := filepath.Abs(scripts)
	if err != nil {
		t.Fatal(err)
	}
	const file = "pod.yaml"
	if err := os.WriteFile(filepath.Join(cwd, file), []byte("metadata: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line  string
		files bool
		also  string // another candidate that must be offered
	}{
		{"ctr cri run ", true, "jsonschema"},
		{"ctr cri create ", false, "web"}, // the pod comes first
		{"ctr cri create web ", true, ""},
		{"ctr cri save -o ", true, ""},
		{"ctr cri pull --pod-config=", true, ""},
		{"crictl run ", true, "jsonschema"},
		{"ctr images import ", true, ""}, // ctr's own commands
		{"ctr cri stop ", false, "nginx"},
	} {
		words := strings.Split(tc.line, " ")
		prog := words[0]
		shells := map[string][]string{
			"bash": shellcomplete.BashIn(t, scripts, env, cwd, words...),
			"zsh":  shellcomplete.Zsh(t, scripts, env, cwd, prog, tc.line),
		}
		for w := range shellcomplete.FishIn(t, scripts, env, cwd, prog, tc.line) {
			// fish completes --flag=value as one word.
			if flag, value, ok := strings.Cut(w, "="); ok && strings.HasPrefix(flag, "-") {
				w = value
			}
			shells["fish"] = append(shells["fish"], w)
		}
		for shell, got := range shells {
			if slices.Contains(got, file) != tc.files {
				t.Errorf("%s: %q<TAB> offered %q: file %s offered is %v, want %v", shell, tc.line, got, file, !tc.files, tc.files)
			}
			if tc.also != "" && !slices.Contains(got, tc.also) {
				t.Errorf("%s: %q<TAB> offered %q, lacking %s", shell, tc.line, got, tc.also)
			}
		}
	}
}

// R10: a file name with a newline in it is one candidate in bash, not two.
func TestBashFileNameWithNewlineIsOneCandidate(t *testing.T) {
	env := shellEnv(t)
	cwd := t.TempDir()
	scripts, err := filepath.Abs(scripts)
	if err != nil {
		t.Fatal(err)
	}
	const odd = "pod\nevil.yaml"
	for _, f := range []string{odd, "pod.yaml"} {
		if err := os.WriteFile(filepath.Join(cwd, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := shellcomplete.BashCandidates(t, scripts, env, cwd, "ctr", "cri", "run", "po")
	if !sameSet(got, []string{odd, "pod.yaml"}) {
		t.Errorf("offered %q, want %q", got, []string{odd, "pod.yaml"})
	}
}
