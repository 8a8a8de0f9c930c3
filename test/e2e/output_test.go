package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// waitLine waits for a line of out that has every one of parts.
func waitLine(t *testing.T, out *devnode.LockedBuffer, parts ...string) string {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(out.String(), "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return line
			}
		}
	}
	t.Fatalf("never saw a line with %q in\n%s", parts, out.String())
	return ""
}

// The operator keeps `ps -w` and `pods -w` open in a second terminal while
// a pod comes and goes: each change is one line, driven by containerd's
// events (pods included), and Ctrl-C ends both cleanly.
func TestWatchFollowsAPodAndItsContainer(t *testing.T) {
	pods := startCtr(t, "cri", "pods", "-w", "--name", "^watched$")
	ps := startCtr(t, "cri", "ps", "-a", "-w", "--name", "^watched$")
	pods.stdout.WaitFor(t, "POD ID")
	ps.stdout.WaitFor(t, "CONTAINER")
	time.Sleep(500 * time.Millisecond) // let the event streams open

	podID, id := busyPod(t, "watched", "sleep", "3600")
	waitLine(t, pods.stdout, podID[:13], "Ready", "watched")
	waitLine(t, ps.stdout, id[:13], "Running", "watched")

	wantOK(t, ctr(t, "cri", "stop", "-t", "1", id), id+"\n")
	waitLine(t, ps.stdout, id[:13], "Exited")
	wantOK(t, ctr(t, "cri", "stopp", podID), "Stopped sandbox "+podID+"\n")
	waitLine(t, pods.stdout, podID[:13], "NotReady")

	for _, w := range []*bgCtr{pods, ps} {
		_ = w.cmd.Process.Signal(os.Interrupt)
		if r := w.wait(t); r.Code != 0 || r.Stderr != "" {
			t.Errorf("-w after Ctrl-C: exit %d stderr %q", r.Code, r.Stderr)
		}
		if n := strings.Count(w.stdout.String(), " CREATED "); n != 1 {
			t.Errorf("the header is printed %d times:\n%s", n, w.stdout.String())
		}
	}
}

// events -o table: one line per event, readable at a glance.
func TestEventsTableOnARealNode(t *testing.T) {
	ev := startCtr(t, "cri", "events", "-o", "table", "--pod", "e2e/tabled")
	time.Sleep(500 * time.Millisecond) // let the stream open
	_, id := busyPod(t, "tabled", "sleep", "3600")
	waitLine(t, ev.stdout, "created", id[:13], "tabled", "e2e")
	waitLine(t, ev.stdout, "started", id[:13], "tabled", "e2e")
	_ = ev.cmd.Process.Signal(os.Interrupt)
	r := ev.wait(t)
	if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "TIME ") {
		t.Errorf("events -o table: exit %d stderr %q\n%s", r.Code, r.Stderr, r.Stdout)
	}
}
