package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// crictlCmd runs the binary through a crictl symlink, as an operator with
// CONTAINER_RUNTIME_ENDPOINT exported would.
func crictlCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	n := testNode(t)
	link := filepath.Join(t.TempDir(), "crictl")
	if err := os.Symlink(ctrBin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, args...)
	cmd.Env = append(devnode.CleanEnv(), "CONTAINER_RUNTIME_ENDPOINT=unix://"+n.Socket)
	return cmd
}

// C01 (E01, E02, E03): under the crictl name, the default -t of 2s limits
// each call; an exec that runs for 3s and a logs -f that follows for 3s are
// not cut off.
func TestCrictlTimeoutIsPerCallNotPerCommand(t *testing.T) {
	podID, podCfg := runPod(t, "crictl-timeout")
	id := runContainer(t, podID, podCfg, "c", "sh", "-c", "while true; do echo tick; sleep 1; done")
	for _, args := range [][]string{
		{"exec", id, "sh", "-c", "sleep 3; echo done"},
		{"exec", "-s", id, "sh", "-c", "sleep 3; echo done"},
	} {
		start := time.Now()
		out, err := crictlCmd(t, args...).Output()
		if err != nil || !strings.Contains(string(out), "done") {
			t.Errorf("crictl %v after %s: %v %q", args[:2], time.Since(start).Round(time.Millisecond), err, out)
		}
	}
	cmd := crictlCmd(t, "logs", "-f", id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Errorf("crictl logs -f ended by itself: %v", err)
	case <-time.After(3500 * time.Millisecond):
		_ = cmd.Process.Kill()
		<-done //nolint:errcheck // the error of a killed process says only that

	}
}
