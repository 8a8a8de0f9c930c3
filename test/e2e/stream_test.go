package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// busyPod runs a pod with one busybox container running command and
// returns the pod and container IDs.
func busyPod(t *testing.T, name string, command ...string) (podID, ctrID string) {
	t.Helper()
	podID, podCfg := runPod(t, name)
	return podID, runContainer(t, podID, podCfg, name, command...)
}

// The operator runs commands in a container with exec -s: the remote exit
// code comes back both ways and stdout and stderr stay apart.
func TestExecSyncExitCodesAndStreams(t *testing.T) {
	_, id := busyPod(t, "execsync", "sleep", "3600")

	r := ctr(t, "cri", "exec", "-s", id[:12], "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.Code != 3 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("exit 3: got exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = ctr(t, "cri", "exec", "-s", "execsync", "sh", "-c", "echo fine")
	if r.Code != 0 || r.Stdout != "fine\n" || r.Stderr != "" {
		t.Errorf("exit 0: got exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = ctr(t, "cri", "exec", "-s", "--timeout", "1", id, "sleep", "10")
	if r.Code != 1 || !strings.Contains(r.Stderr, "command did not finish within 1s") {
		t.Errorf("--timeout 1: exit %d stderr %q", r.Code, r.Stderr)
	}
}

// Streaming exec: stdin piped in, the exit code passed through, over SPDY
// and websockets.
func TestExecStreamsStdinAndExitCode(t *testing.T) {
	_, id := busyPod(t, "execstream", "sleep", "3600")

	r := ctrStdin(t, "hello\nworld\n", "cri", "exec", "-i", id, "sh", "-c", "cat; echo done >&2; exit 4")
	if r.Code != 4 || r.Stdout != "hello\nworld\n" || r.Stderr != "done\n" {
		t.Errorf("exec -i: exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	for _, transport := range []string{"spdy", "websocket"} {
		r = ctr(t, "cri", "exec", "--transport", transport, id, "sh", "-c", "echo via "+transport+"; exit 5")
		if r.Code != 5 || r.Stdout != "via "+transport+"\n" {
			t.Errorf("%s: exit %d stdout %q stderr %q", transport, r.Code, r.Stdout, r.Stderr)
		}
	}
	mustCtr(t, "cri", "exec", id, "true")
}

// exec -it from a real (pseudo-)terminal: the shell gets a terminal of the
// operator's size, keys reach it, its exit code comes back, and the
// operator's terminal is restored afterwards.
func TestExecInteractiveTerminal(t *testing.T) {
	_, id := busyPod(t, "exectty", "sleep", "3600")
	master, slave := openPTY(t, 100, 30)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(ctrBin, "--address", testNode(t).Socket, "cri", "exec", "-it", id, "sh")
	cmd.Env = devnode.CleanEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The exit status is read from ProcessState once done is closed.
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	screen := &devnode.LockedBuffer{}
	go func() { _, _ = io.Copy(screen, master) }()

	// The size travels on its own stream and may land just after the
	// shell starts: ask until the shell has seen it.
	screen.WaitFor(t, "# ")
	for i := 0; !strings.Contains(screen.String(), "\n30 100\r"); i++ {
		if i == 50 {
			t.Fatalf("the shell never saw the terminal size 100x30:\n%q", screen.String())
		}
		_, _ = master.Write([]byte("stty size\r"))
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = master.Write([]byte("echo $((6*7))\r"))
	screen.WaitFor(t, "\n42\r")
	_, _ = master.Write([]byte("exit 3\r"))
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("exec -it did not end after exit; screen:\n%q", screen.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("exec -it: exit %d, want the shell's 3", code)
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("terminal not restored:\nbefore %+v\nafter  %+v", before, after)
	}

	// Killed from elsewhere mid-session: the terminal still comes back.
	cmd = exec.Command(ctrBin, "--address", testNode(t).Socket, "cri", "exec", "-it", id, "sh")
	cmd.Env = devnode.CleanEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	_, _ = master.Write([]byte("echo ready-$((1+1))\r"))
	screen.WaitFor(t, "ready-2")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("exec -it did not end on SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exec -it after SIGTERM: exit %d, want 130", code)
	}
	if after, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS); *after != *before {
		t.Error("terminal not restored after SIGTERM")
	}
}

// exec with filters runs in every selected container, each output after
// crictl's "FULLID:" line.
func TestExecInSeveralContainersByFilter(t *testing.T) {
	podID, podCfg := runPod(t, "execmany")
	a := runContainer(t, podID, podCfg, "first", "sleep", "3600")
	b := runContainer(t, podID, podCfg, "second", "sleep", "3600")

	r := ctr(t, "cri", "exec", "-s", "--pod", podID[:10], "--", "sh", "-c", "echo hi; cat /proc/1/cmdline >/dev/null")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	for _, id := range []string{a, b} {
		if !strings.Contains(r.Stdout, id+":\nhi\n") {
			t.Errorf("no %s: header before its output in %q", id, r.Stdout)
		}
	}
	r = ctr(t, "cri", "exec", "-s", "-x", "--pod", podID, "--label", "io.kubernetes.container.name=second", "sh", "-c", "exit 6")
	if r.Code != 6 {
		t.Errorf("one selected container exiting 6: exit %d stderr %q", r.Code, r.Stderr)
	}
}

// port-forward from 127.0.0.1 to listeners inside a pod's own network
// namespace, two ports at once, stopped with Ctrl-C.
func TestPortForwardToListenersInThePod(t *testing.T) {
	podID, _ := busyPod(t, "forward", "sh", "-c", "nc -ll -p 8080 -e cat & nc -ll -p 9090 -e sh -c 'echo nine' & wait")
	local := freePort(t)

	// The listeners may need a moment; retry until both answer.
	var out string
	deadline := time.Now().Add(30 * time.Second)
	for {
		pf := startCtr(t, "cri", "port-forward", "forward", fmt.Sprintf("%d:8080", local), ":9090")
		out = pf.stdout.WaitFor(t, "-> 9090")
		m := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 9090`).FindStringSubmatch(out)
		if !strings.Contains(out, fmt.Sprintf("Forwarding from 127.0.0.1:%d -> 8080", local)) || m == nil {
			t.Fatalf("port-forward output: %q", out)
		}
		echo, errEcho := roundTrip(fmt.Sprint(local), "ping\n")
		nine, errNine := roundTrip(m[1], "")
		if errEcho == nil && errNine == nil {
			if echo != "ping\n" || nine != "nine\n" {
				t.Errorf("through the forward: echo %q, 9090 said %q", echo, nine)
			}
			_ = pf.cmd.Process.Signal(os.Interrupt)
			r := pf.wait(t)
			if r.Code != 0 || r.Stderr != "" {
				t.Errorf("Ctrl-C: exit %d stderr %q, want a clean stop", r.Code, r.Stderr)
			}
			if _, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local)); err == nil {
				t.Error("the local port is still open after port-forward stopped")
			}
			return
		}
		_ = pf.cmd.Process.Signal(os.Interrupt)
		pf.wait(t)
		if time.Now().After(deadline) {
			t.Fatalf("no answer through the forward of pod %s: %v / %v", podID, errEcho, errNine)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Logs: tail, since, streams, follow across rotation until the container
// exits.
func TestLogsTailSinceFollowRotation(t *testing.T) {
	// The container prints whatever is written into its /say fifo.
	// stdout and stderr reach the log through separate pipes: the pause
	// keeps their order in the file deterministic.
	_, id := busyPod(t, "logger", "sh", "-c", "mkfifo /say; echo first; echo oops >&2; sleep 0.5; echo second; while :; do cat /say; done")
	rt := runtimeClient(t)
	say := func(text string) {
		t.Helper()
		mustCtr(t, "cri", "exec", "-s", id, "sh", "-c", "echo "+text+" > /say")
	}
	waitLog := func(want string) devnode.Result {
		t.Helper()
		var r devnode.Result
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if r = ctr(t, "cri", "logs", id); strings.Contains(r.Stdout, want) {
				return r
			}
		}
		t.Fatalf("log never showed %q: %q", want, r.Stdout)
		return r
	}

	r := waitLog("second\n")
	if r.Stdout != "first\nsecond\n" || r.Stderr != "oops\n" {
		t.Errorf("logs: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	if got := mustCtr(t, "cri", "logs", "--tail", "1", id); got != "second\n" {
		t.Errorf("--tail 1: %q", got)
	}
	if r := ctr(t, "cri", "logs", "--stream", "stderr", "logger"); r.Stdout != "" || r.Stderr != "oops\n" {
		t.Errorf("--stream stderr: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	time.Sleep(1100 * time.Millisecond)
	mark := time.Now()
	say("later")
	waitLog("later\n")
	for _, since := range []string{mark.Format(time.RFC3339Nano), strconv.FormatInt(mark.Unix(), 10), "1s"} {
		got := mustCtr(t, "cri", "logs", "--since", since, id)
		if strings.Contains(got, "first") || !strings.Contains(got, "later\n") {
			t.Errorf("--since %s: %q", since, got)
		}
	}
	if got := mustCtr(t, "cri", "logs", "-t", "--tail", "1", id); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z later\n$`).MatchString(got) {
		t.Errorf("--timestamps: %q", got)
	}

	f := startCtr(t, "cri", "logs", "-f", "--tail", "0", id)
	say("live one")
	f.stdout.WaitFor(t, "live one\n")

	// Rotate as kubelet does: rename the file, then have the runtime reopen it.
	st, err := rt.ContainerStatus(t.Context(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if err != nil {
		t.Fatal(err)
	}
	path := st.GetStatus().GetLogPath()
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.ReopenContainerLog(t.Context(), &runtimeapi.ReopenContainerLogRequest{ContainerId: id}); err != nil {
		t.Fatal(err)
	}
	say("after rotation")
	f.stdout.WaitFor(t, "after rotation\n")
	if got := mustCtr(t, "cri", "logs", id); got != "after rotation\n" {
		t.Errorf("logs after rotation reads the new file only: %q", got)
	}

	// The container exits: follow drains the file and ends by itself.
	if _, err := rt.StopContainer(t.Context(), &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: 0}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	if r := f.wait(t); r.Code != 0 {
		t.Errorf("logs -f after the container exited: exit %d stderr %q", r.Code, r.Stderr)
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("logs -f took %s to end after the container exited", d)
	}
	if r := ctr(t, "cri", "logs", "-f", id); r.Code != 0 || r.Stdout != "after rotation\n" {
		t.Errorf("logs -f of an exited container: exit %d stdout %q", r.Code, r.Stdout)
	}
}

// stats shows real numbers for a container burning CPU, statsp for its pod.
func TestStatsOfABusyContainer(t *testing.T) {
	podID, id := busyPod(t, "busy", "sh", "-c", "while :; do :; done")

	var row []string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		out := mustCtr(t, "cri", "stats", id)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTAINER") {
			t.Fatalf("stats: %q", out)
		}
		row = strings.Fields(lines[1])
		if cpu, _ := strconv.ParseFloat(row[2], 64); cpu > 10 {
			break
		}
	}
	// crictl's columns: CONTAINER NAME CPU% MEM DISK INODES SWAP
	if len(row) != 7 || row[0] != id[:13] || row[1] != "busy" {
		t.Fatalf("stats row: %q", row)
	}
	// The pod's name is ours, with -o wide.
	if wide := strings.Fields(strings.Split(strings.TrimSpace(mustCtr(t, "cri", "stats", "-o", "wide", id)), "\n")[1]); len(wide) != 8 || wide[7] != "busy" {
		t.Errorf("stats -o wide row: %q", wide)
	}
	if cpu, _ := strconv.ParseFloat(row[2], 64); cpu <= 10 {
		t.Errorf("CPU %% of a busy loop: %s", row[2])
	}
	if row[3] == "0B" {
		t.Errorf("memory of a running container: %s", row[3])
	}

	var doc struct {
		Stats []struct {
			CPU struct {
				UsageCoreNanoSeconds struct{ Value string } `json:"usageCoreNanoSeconds"`
			} `json:"cpu"`
			Memory struct {
				WorkingSetBytes struct{ Value string } `json:"workingSetBytes"`
			} `json:"memory"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(mustCtr(t, "cri", "stats", "-o", "json", "--id", id[:12])), &doc); err != nil || len(doc.Stats) != 1 {
		t.Fatalf("stats -o json: %v %+v", err, doc)
	}
	if s := doc.Stats[0]; s.CPU.UsageCoreNanoSeconds.Value == "0" || s.Memory.WorkingSetBytes.Value == "0" {
		t.Errorf("stats -o json: %+v", s)
	}

	out := mustCtr(t, "cri", "statsp", podID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("statsp: %q", out)
	}
	f := strings.Fields(lines[1])
	if len(f) != 4 || f[0] != "busy" || f[1] != podID[:13] || f[3] == "0B" {
		t.Errorf("statsp row: %q", f)
	}
	if cpu, _ := strconv.ParseFloat(f[2], 64); cpu <= 10 {
		t.Errorf("pod CPU %%: %s", f[2])
	}
}

// The metrics commands work on this containerd (2.2 or newer).
func TestMetricsCommands(t *testing.T) {
	busyPod(t, "metrics", "sleep", "3600")
	if out := mustCtr(t, "cri", "metricdescs"); !strings.HasPrefix(out, "{\n  \"descriptors\": [") {
		t.Errorf("metricdescs: %.300s", out)
	}
	if out := mustCtr(t, "cri", "metricsp"); !strings.HasPrefix(out, "{\n  \"podMetrics\": [") {
		t.Errorf("metricsp: %.300s", out)
	}
}

// events shows a pod created while it runs; Ctrl-C ends it cleanly.
func TestEventsOfAPodCreatedMeanwhile(t *testing.T) {
	ev := startCtr(t, "cri", "events", "--pod", "e2e/eventful", "-o", "go-template={{.containerEventType}} {{.containerId}}")
	time.Sleep(500 * time.Millisecond) // let the stream open
	_, id := busyPod(t, "eventful", "sleep", "3600")
	ev.stdout.WaitFor(t, "CONTAINER_CREATED_EVENT "+id)
	ev.stdout.WaitFor(t, "CONTAINER_STARTED_EVENT "+id)
	_ = ev.cmd.Process.Signal(os.Interrupt)
	r := ev.wait(t)
	if r.Code != 0 || r.Stderr != "" {
		t.Errorf("events after Ctrl-C: exit %d stderr %q", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stdout, "reader") {
		t.Errorf("--pod let other pods' events through: %q", r.Stdout)
	}
}

// bgCtr is a ctr command running in the background, like a second terminal.
type bgCtr struct {
	cmd            *exec.Cmd
	stdout, stderr *devnode.LockedBuffer
	done           chan struct{}
}

func startCtr(t *testing.T, args ...string) *bgCtr {
	t.Helper()
	b := &bgCtr{stdout: &devnode.LockedBuffer{}, stderr: &devnode.LockedBuffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(ctrBin, append([]string{"--address", testNode(t).Socket}, args...)...)
	b.cmd.Env = devnode.CleanEnv()
	b.cmd.Stdout, b.cmd.Stderr = b.stdout, b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.done
	})
	t.Logf("$ ctr %s &", strings.Join(args, " "))
	return b
}

func (b *bgCtr) wait(t *testing.T) devnode.Result {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(devnode.RunTimeout):
		t.Fatalf("ctr did not end; stdout %q stderr %q", b.stdout.String(), b.stderr.String())
	}
	r := devnode.Result{Stdout: b.stdout.String(), Stderr: b.stderr.String(), Code: b.cmd.ProcessState.ExitCode()}
	t.Logf("# exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	return r
}

// roundTrip connects to 127.0.0.1:port, sends send and returns the first
// line of the answer.
func roundTrip(port, send string) (string, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if send != "" {
		if _, err := io.WriteString(c, send); err != nil {
			return "", err
		}
	}
	return bufio.NewReader(c).ReadString('\n')
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// openPTY opens a pseudo-terminal pair of the given size through /dev/ptmx.
func openPTY(t *testing.T, cols, rows uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		t.Fatal(err)
	}
	return m, s
}
