package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/shellcomplete"
)

// An operator with the installed completion scripts presses TAB in bash and
// fish: IDs and names come from the node, running-only where that is all a
// command can use, and nothing at all when the node is gone.
func TestCompletionFromTheNode(t *testing.T) {
	n := testNode(t)
	podID, podCfg := runPod(t, "tab-web")
	running := runContainer(t, podID, podCfg, "tab-server", "sleep", "3600")
	exited := runContainer(t, podID, podCfg, "tab-job", "true")
	compWaitExited(t, exited)
	img, err := imageClient(t).ImageStatus(t.Context(), &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: devnode.BusyboxImage}})
	if err != nil {
		t.Fatal(err)
	}
	busybox := strings.TrimPrefix(img.GetImage().GetId(), "sha256:")

	scripts := filepath.Join(compRepoRoot(t), "completions")
	// export CONTAINERD_ADDRESS=… as the dev node's env file says; crictl
	// reads CONTAINER_RUNTIME_ENDPOINT as crictl does.
	env := shellcomplete.Env(t, ctrBin, append(n.Env(), "CONTAINER_RUNTIME_ENDPOINT=unix://"+n.Socket)...)
	tab := func(words ...string) []string {
		t.Helper()
		got := shellcomplete.Bash(t, scripts, env, false, words...)
		t.Logf("$ %s<TAB>  → %s", strings.Join(words, " "), strings.Join(got, " "))
		return got
	}

	got := tab("ctr", "cri", "inspect", "")
	for _, want := range []string{running, "tab-server", exited, "tab-job"} {
		if !slices.Contains(got, want) {
			t.Errorf("ctr cri inspect <TAB> lacks %s", want)
		}
	}
	if got := tab("ctr", "cri", "inspect", "tab-s"); !slices.Equal(got, []string{"tab-server"}) {
		t.Errorf("ctr cri inspect tab-s<TAB> = %q, want tab-server", got)
	}
	if got := tab("ctr", "cri", "inspect", running[:6]); !slices.Equal(got, []string{running}) {
		t.Errorf("ctr cri inspect %s<TAB> = %q, want the full ID", running[:6], got)
	}
	got = tab("ctr", "cri", "inspectp", "")
	for _, want := range []string{podID, "tab-web", "e2e/tab-web"} {
		if !slices.Contains(got, want) {
			t.Errorf("ctr cri inspectp <TAB> lacks %s", want)
		}
	}
	got = tab("ctr", "cri", "inspecti", "")
	for _, want := range []string{busybox, "localhost/ctrcri/busybox"} {
		if !slices.Contains(got, want) {
			t.Errorf("ctr cri inspecti <TAB> lacks %s", want)
		}
	}
	if got := shellcomplete.Bash(t, scripts, env, true, "ctr", "cri", "inspecti", busybox[:12]); len(got) != 1 || !strings.Contains(got[0], devnode.BusyboxImage) {
		t.Errorf("second TAB lists %q, want the image with its tag", got)
	}
	if got := tab("ctr", "cri", "ps", "--state", "r"); !slices.Equal(got, []string{"running"}) {
		t.Errorf("ctr cri ps --state r<TAB> = %q", got)
	}
	if got := tab("crictl", "inspect", "tab-"); !compSameSet(got, []string{"tab-server", "tab-job"}) {
		t.Errorf("crictl inspect tab-<TAB> = %q", got)
	}
	if fish := shellcomplete.Fish(t, scripts, env, "ctr", "ctr cri inspectp tab"); fish["tab-web"] == "" {
		t.Errorf("fish completed %q", fish)
	}

	// Only running containers can be exec'd into, attached to or stopped.
	commands := compCommands(t)
	for _, cmd := range []string{"exec", "attach", "stop"} {
		if !commands[cmd] {
			t.Logf("ctr cri %s is not in this build: its running-only completion is covered by the unit tests", cmd)
			continue
		}
		got := tab("ctr", "cri", cmd, "tab-")
		if !slices.Equal(got, []string{"tab-server"}) {
			t.Errorf("ctr cri %s tab-<TAB> = %q, want the running container only", cmd, got)
		}
	}
}

// TestCompletionLatency measures what one TAB costs against the dev node:
// a process start, one list call, the candidates printed.
func TestCompletionLatency(t *testing.T) {
	n := testNode(t)
	for i := range 5 {
		runPod(t, "tab-lat-"+string(rune('a'+i)))
	}
	var best time.Duration
	for range 5 {
		start := time.Now()
		cmd := exec.Command(ctrBin, "--address", n.Socket, "cri", "inspectp", "--generate-shell-completion")
		cmd.Env = devnode.CleanEnv()
		out, err := cmd.Output()
		took := time.Since(start)
		if err != nil || strings.Count(string(out), "tab-lat-") < 5 {
			t.Fatalf("completion: %v\n%s", err, out)
		}
		if best == 0 || took < best {
			best = took
		}
	}
	t.Logf("one TAB (ctr cri inspectp) against the dev node: best of 5 %s", best)
	if best > 500*time.Millisecond {
		t.Errorf("one TAB took %s at best", best)
	}
}

// TestCompletionWithTheNodeDown: no candidates, no output, no wait.
func TestCompletionWithTheNodeDown(t *testing.T) {
	testNode(t)
	gone := filepath.Join(t.TempDir(), "containerd.sock")
	start := time.Now()
	cmd := exec.Command(ctrBin, "--address", gone, "cri", "inspect", "--generate-shell-completion")
	cmd.Env = devnode.CleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("completion with no runtime: %v, printed %q", err, out)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("completion with no runtime took %s", took)
	}
}

func compWaitExited(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		st, err := runtimeClient(t).ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
		if err == nil && st.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container %s did not exit: %v", id, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// compCommands lists the commands of `ctr cri` in the binary under test,
// from the candidates completion offers for them.
func compCommands(t *testing.T) map[string]bool {
	t.Helper()
	cmd := exec.Command(ctrBin, "cri", "--generate-shell-completion")
	cmd.Env = devnode.CleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if name, _, _ := strings.Cut(l, ":"); name != "" {
			names[name] = true
		}
	}
	return names
}

func compRepoRoot(t *testing.T) string {
	t.Helper()
	r, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func compSameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
