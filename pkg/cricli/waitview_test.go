package cricli

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/fake"
)

// slowStops is the fake runtime with stop calls that take as long as the
// test says: a container that ignores SIGTERM until its grace period ends.
type slowStops struct {
	*fake.RemoteRuntime
	delay time.Duration
}

func (s *slowStops) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	time.Sleep(s.delay)
	return s.RemoteRuntime.StopPodSandbox(ctx, req)
}

func (s *slowStops) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	time.Sleep(s.delay)
	return s.RemoteRuntime.StopContainer(ctx, req)
}

// slowStopNode serves node(t)'s objects with stops that take delay.
func slowStopNode(t *testing.T, delay time.Duration) string {
	t.Helper()
	n := node(t)
	return serveCRI(t, &slowStops{RemoteRuntime: n.RemoteRuntime, delay: delay}, n.RemoteRuntime)
}

// Finding A.10: stopp of a pod whose container ignores SIGTERM waited out
// the grace period with nothing on the screen. On a terminal, a stop still
// running after a second now says what it waits for, and the line goes
// away when the stop is done, leaving crictl's stdout as it was.
func TestStopWaitingIsShownOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		waiting    string
		stdoutLine string
	}{
		{[]string{"cri", "stopp", "shop/web"}, `Stopping pod shop/web: 1s, waiting for its containers to exit`, "Stopped sandbox " + podA},
		{[]string{"cri", "stop", "-t", "30", "nginx"}, `Stopping container ` + ctrW[:13] + `: 1s, waiting for it to exit \(killed 30s after SIGTERM\)`, ctrW},
	} {
		t.Run(tc.args[1], func(t *testing.T) {
			ep := slowStopNode(t, 1600*time.Millisecond)
			master, slave := openPTY(t)
			setSize(t, slave, 120, 30)
			screen := &syncBuffer{}
			readScreen(screen, master)
			r := startBg(t, ep, sessionIO{stdout: slave, stderr: slave}, tc.args...)
			screen.waitFor(t, strings.ReplaceAll(strings.ReplaceAll(tc.waiting, `\(`, "("), `\)`, ")"))
			if res := r.wait(t); res.code != 0 {
				t.Fatalf("%v: exit %d", tc.args, res.code)
			}
			screen.waitFor(t, tc.stdoutLine)
			time.Sleep(100 * time.Millisecond)
			got := screen.String()
			if !regexp.MustCompile(tc.waiting).MatchString(got) {
				t.Errorf("no waiting line on the terminal:\n%q", got)
			}
			// The frame is erased before the stdout line, which stays alone.
			tail := got[strings.LastIndex(got, "\x1b[J")+len("\x1b[J"):]
			if tail != tc.stdoutLine+"\r\n" {
				t.Errorf("after the stop the screen should end with the stdout line only; it ends with %q", tail)
			}
		})
	}
}

// A stop done within the second draws nothing, and in a pipe a slow stop
// keeps stderr empty (output.md: stderr is empty on success).
func TestStopWaitingIsQuietWhenFastOrPiped(t *testing.T) {
	fast := node(t)
	master, slave := openPTY(t)
	setSize(t, slave, 120, 30)
	screen := &syncBuffer{}
	readScreen(screen, master)
	if res := startBg(t, fast.Endpoint, sessionIO{stdout: slave, stderr: slave}, "cri", "stopp", "shop/web").wait(t); res.code != 0 {
		t.Fatalf("stopp: exit %d", res.code)
	}
	screen.waitFor(t, "Stopped sandbox "+podA)
	time.Sleep(100 * time.Millisecond)
	if got := screen.String(); got != "Stopped sandbox "+podA+"\r\n" {
		t.Errorf("a fast stopp on a terminal should show its stdout line only; got %q", got)
	}

	ep := slowStopNode(t, 1300*time.Millisecond)
	res := startBg(t, ep, sessionIO{}, "cri", "stopp", "shop/web").wait(t)
	if res.code != 0 || res.stderr != "" || res.stdout != "Stopped sandbox "+podA+"\n" {
		t.Errorf("slow stopp into a pipe: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}
