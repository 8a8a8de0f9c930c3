package cricli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/streaming"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// logT0 is the time of the first line of every test log.
var logT0 = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)

// criLine formats one line of kubelet's CRI log format, i seconds after logT0.
func criLine(i int, stream, tag, text string) string {
	return fmt.Sprintf("%s %s %s %s\n", logT0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), stream, tag, text)
}

func writeLog(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "")); err != nil {
		t.Fatal(err)
	}
}

// logNode is a stream node whose nginx container logs to a real file.
func logNode(t *testing.T) (*streamNode, string) {
	n := newStreamNode(t)
	path := filepath.Join(t.TempDir(), "0.log")
	writeLog(t, path,
		criLine(0, "stdout", "F", "one"),
		criLine(1, "stderr", "F", "two"),
		criLine(2, "stdout", "P", "thr"),
		criLine(2, "stdout", "F", "ee"),
		criLine(3, "stdout", "F", "\x1b[31mred"),
	)
	n.setLogPath(ctrW, path)
	return n, path
}

func TestLogsPrintsStreamsAsWritten(t *testing.T) {
	n, _ := logNode(t)
	r := ctr(t, n.Endpoint, "cri", "logs", "nginx")
	// Log lines are the container's bytes, not table cells: no escaping.
	if r.code != 0 || r.stdout != "one\nthree\n\x1b[31mred\n" || r.stderr != "two\n" {
		t.Errorf("got exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"--tail", "2"}, "ee\n\x1b[31mred\n", ""},
		{[]string{"--tail", "0"}, "", ""},
		{[]string{"--since", logT0.Add(1500 * time.Millisecond).Format(time.RFC3339Nano)}, "three\n\x1b[31mred\n", ""},
		{[]string{"--since", fmt.Sprint(logT0.Add(time.Second).Unix())}, "three\n\x1b[31mred\n", "two\n"},
		{[]string{"--since", "1m"}, "", ""},
		{[]string{"--stream", "stderr"}, "", "two\n"},
		{[]string{"-s", "stdout", "--limit-bytes", "7"}, "one\nthr", ""},
		// A tail of one stream counts that stream's lines (kubectl's --tail).
		{[]string{"--tail", "1", "--stream", "stderr"}, "", "two\n"},
		{[]string{"--tail", "2", "-s", "stdout"}, "three\n\x1b[31mred\n", ""},
		{[]string{"--tail", "3", "-s", "stdout", "--limit-bytes", "9"}, "one\nthree", ""},
		{[]string{"--tail", "0", "-s", "stdout"}, "", ""},
		{[]string{"-t", "--tail", "1"}, logT0.Add(3*time.Second).Format("2006-01-02T15:04:05.000000000Z07:00") + " \x1b[31mred\n", ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := ctr(t, n.Endpoint, append([]string{"cri", "logs", ctrW[:6]}, tc.args...)...)
			if r.code != 0 || r.stdout != tc.stdout || r.stderr != tc.stderr {
				t.Errorf("got exit %d stdout %q stderr %q; want stdout %q stderr %q", r.code, r.stdout, r.stderr, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestLogsPreviousAttempt(t *testing.T) {
	n := newStreamNode(t)
	const (
		a0 = "a000000000000000000000000000000000000000000000000000000000000000"
		a1 = "a111111111111111111111111111111111111111111111111111111111111111"
		o1 = "b111111111111111111111111111111111111111111111111111111111111111"
	)
	n.SetContainers(
		runtimetest.Container{ID: a0, Name: "app", PodID: podA, Attempt: 0, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: ago(time.Hour)},
		runtimetest.Container{ID: a1, Name: "app", PodID: podA, Attempt: 1, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(time.Minute)},
	)
	dir := t.TempDir()
	for i, id := range []string{a0, a1} {
		p := filepath.Join(dir, fmt.Sprint(i)+".log")
		writeLog(t, p, criLine(i, "stdout", "F", "attempt "+fmt.Sprint(i)))
		n.setLogPath(id, p)
	}
	if r := ctr(t, n.Endpoint, "cri", "logs", "app").ok(t); r.stdout != "attempt 1\n" {
		t.Errorf("logs app: %q, want the running attempt", r.stdout)
	}
	if r := ctr(t, n.Endpoint, "cri", "logs", "-p", "app").ok(t); r.stdout != "attempt 0\n" {
		t.Errorf("logs -p app: %q, want attempt 0", r.stdout)
	}
	ctr(t, n.Endpoint, "cri", "logs", "-p", a0).fails(t, 1, `no previous attempt of container "app" in pod "web"`)

	// The previous container is gone but kubelet's file is still there.
	n.SetContainers(runtimetest.Container{ID: a1, Name: "app", PodID: podA, Attempt: 1, State: runtimeapi.ContainerState_CONTAINER_RUNNING})
	n.setLogPath(a1, filepath.Join(dir, "1.log"))
	if r := ctr(t, n.Endpoint, "cri", "logs", "--previous", "app").ok(t); r.stdout != "attempt 0\n" {
		t.Errorf("logs -p without the old container: %q, want attempt 0 from 0.log", r.stdout)
	}
}

// TestLogsCrashLoopByName is finding #2: in CrashLoopBackOff no attempt
// runs, and the name still means the newest attempt in the pod, --previous
// the one before it. The same name in another pod is another container.
func TestLogsCrashLoopByName(t *testing.T) {
	n := newStreamNode(t)
	const (
		a0 = "a000000000000000000000000000000000000000000000000000000000000000"
		a1 = "a111111111111111111111111111111111111111111111111111111111111111"
		a2 = "a222222222222222222222222222222222222222222222222222222222222222"
		o1 = "b111111111111111111111111111111111111111111111111111111111111111"
	)
	exited := runtimeapi.ContainerState_CONTAINER_EXITED
	crashLoop := []runtimetest.Container{
		// Attempt 2 was created first on a clock that went back: the attempt
		// number decides, not the creation time.
		{ID: a2, Name: "job", PodID: podA, Attempt: 2, State: exited, CreatedAt: ago(3 * time.Hour)},
		{ID: a0, Name: "job", PodID: podA, Attempt: 0, State: exited, CreatedAt: ago(2 * time.Hour)},
		{ID: a1, Name: "job", PodID: podA, Attempt: 1, State: exited, CreatedAt: ago(time.Hour)},
	}
	n.SetContainers(crashLoop...)
	dir := t.TempDir()
	for i, id := range []string{a0, a1, a2} {
		p := filepath.Join(dir, fmt.Sprint(i)+".log")
		writeLog(t, p, criLine(i, "stdout", "F", "attempt "+fmt.Sprint(i)))
		n.setLogPath(id, p)
	}
	if r := ctr(t, n.Endpoint, "cri", "logs", "job").ok(t); r.stdout != "attempt 2\n" {
		t.Errorf("logs job: %q, want the newest attempt", r.stdout)
	}
	for _, flag := range []string{"-p", "--previous"} {
		if r := ctr(t, n.Endpoint, "cri", "logs", flag, "job").ok(t); r.stdout != "attempt 1\n" {
			t.Errorf("logs %s job: %q, want attempt 1", flag, r.stdout)
		}
	}
	// An ID keeps meaning that attempt, as in crictl.
	if r := ctr(t, n.Endpoint, "cri", "logs", "-p", a1[:8]).ok(t); r.stdout != "attempt 0\n" {
		t.Errorf("logs -p ID: %q, want attempt 0", r.stdout)
	}
	r := ctr(t, n.Endpoint, "cri", "inspect", "-o", "go-template={{.status.id}}", "job").ok(t)
	if strings.TrimSpace(r.stdout) != a2 {
		t.Errorf("inspect job resolved to %q, want attempt 2", r.stdout)
	}

	n.SetContainers(append(crashLoop, runtimetest.Container{ID: o1, Name: "job", PodID: podB, Attempt: 0, State: exited, CreatedAt: ago(time.Second)})...)
	r = ctr(t, n.Endpoint, "cri", "logs", "job").fails(t, 1)
	want := `ctr: container "job": ambiguous, matches a222222222222 (job attempt 2 in pod shop/web), ` +
		`a111111111111 (job attempt 1 in pod shop/web), a000000000000 (job attempt 0 in pod shop/web), ` +
		`b111111111111 (job attempt 0 in pod data/db)` + "\n"
	if r.stderr != want {
		t.Errorf("two pods:\n got %q\nwant %q", r.stderr, want)
	}
}

func TestLogsFollowAcrossRotationUntilExitPollingAtMostOncePerSecond(t *testing.T) {
	n, path := logNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "logs", "-f", "--tail", "1", "nginx")
	s.stdout.waitFor(t, "red\n")
	n.RuntimeCalls()

	// A busy log for 2.5 s: the state is checked at most once a second.
	began := time.Now()
	for i := 0; time.Since(began) < 2500*time.Millisecond; i++ {
		writeLog(t, path, criLine(10, "stdout", "F", fmt.Sprint("busy ", i)))
		time.Sleep(5 * time.Millisecond)
	}
	s.stdout.waitFor(t, "busy 100\n")
	if got := n.count("ContainerStatus"); got > 4 {
		t.Errorf("%d ContainerStatus calls in 2.5 s of log writes, want at most one a second", got)
	}

	// Rotation as kubelet does it: rename, then the runtime reopens the path.
	if err := os.Rename(path, path+".20261001-080000"); err != nil {
		t.Fatal(err)
	}
	writeLog(t, path, criLine(20, "stdout", "F", "after rotation"))
	s.stdout.waitFor(t, "after rotation\n")

	n.setState(ctrW, runtimeapi.ContainerState_CONTAINER_EXITED)
	exited := time.Now()
	r := s.wait(t)
	if r.code != 0 || r.stderr != "" {
		t.Errorf("after the container exited: exit %d stderr %q", r.code, r.stderr)
	}
	if d := time.Since(exited); d > 5*time.Second {
		t.Errorf("follow took %s to notice the container exited", d)
	}
}

func TestLogsFollowEndsOnInterrupt(t *testing.T) {
	n, _ := logNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "logs", "-f", "nginx")
	s.stdout.waitFor(t, "red\n")
	s.cancel()
	if r := s.wait(t); r.code != 0 || r.stderr != "two\n" {
		t.Errorf("Ctrl-C: exit %d stderr %q, want a clean end (and the container's stderr line)", r.code, r.stderr)
	}
}

func TestLogsBadInput(t *testing.T) {
	n, _ := logNode(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"logs"}, "logs takes CONTAINER, got 0 arguments"},
		{[]string{"logs", "nginx", "postgres"}, "logs takes CONTAINER, got 2 arguments"},
		{[]string{"logs", "-f", "--tail", "3", "--stream", "stdout", "nginx"}, "--tail with --stream cannot follow"},
		{[]string{"logs", "--since", "yesterday", "nginx"}, `invalid --since "yesterday"`},
		{[]string{"logs", "--since", "-5m", "nginx"}, "must not be negative"},
		{[]string{"logs", "--stream", "stdin", "nginx"}, `invalid --stream "stdin"`},
	} {
		n.RuntimeCalls()
		ctr(t, n.Endpoint, append([]string{"cri"}, tc.args...)...).fails(t, 2, tc.want)
		if calls := n.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%v: RPCs %v before rejecting the command line", tc.args, calls)
		}
	}
	n.setLogPath(ctrY, "")
	ctr(t, n.Endpoint, "cri", "logs", "postgres").fails(t, 1, "has no log file")
	n.setLogPath(ctrY, filepath.Join(t.TempDir(), "gone.log"))
	ctr(t, n.Endpoint, "cri", "logs", "postgres").fails(t, 1, "gone.log: no such file or directory")
	ctr(t, n.Endpoint, "cri", "logs", "nosuch").fails(t, 1, `container "nosuch": not found`)
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90s":                         now.Add(-90 * time.Second),
		"2026-10-01T08:00:00Z":        logT0,
		"2026-10-01T10:00:00.5+02:00": logT0.Add(500 * time.Millisecond),
		"2026-10-01T08:00:00":         time.Date(2026, 10, 1, 8, 0, 0, 0, time.Local),
		"1790841600":                  time.Unix(1790841600, 0),
		"1790841600.25":               time.Unix(1790841600, 250000000),
	} {
		got, err := streaming.ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
