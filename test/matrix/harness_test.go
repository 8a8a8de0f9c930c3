package matrix

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// session is one operator session against one node.
type session struct {
	t      *testing.T
	node   *devnode.Node
	rel    Release
	ctr    string // our binary
	crictl string // the reference; empty when not built
	dir    string // scratch files
}

// run runs `ctr --address <node> args...` with stdin and returns what
// happened; a non-zero exit is not a failure by itself.
func (s *session) run(t *testing.T, stdin string, args ...string) devnode.Result {
	t.Helper()
	return s.exec(t, s.ctr, stdin, append([]string{"--address", s.node.Socket}, args...)...)
}

// ctrOK runs ctr and fails the step unless it exits 0; it returns stdout.
func (s *session) ctrOK(t *testing.T, args ...string) string {
	t.Helper()
	r := s.run(t, "", args...)
	if r.Code != 0 {
		t.Fatalf("ctr %s: exit %d\nstderr: %s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	return r.Stdout
}

// crictlRun runs the real crictl against the node.
func (s *session) crictlRun(t *testing.T, args ...string) devnode.Result {
	t.Helper()
	return s.exec(t, s.crictl, "", append([]string{"--runtime-endpoint", "unix://" + s.node.Socket, "--image-endpoint", "unix://" + s.node.Socket}, args...)...)
}

func (s *session) exec(t *testing.T, bin, stdin string, args ...string) devnode.Result {
	t.Helper()
	return devnode.Runner{Bin: bin}.Run(t, stdin, args...)
}

// background is a command left running (events, ps -w, port-forward).
type background struct {
	cmd            *exec.Cmd
	Stdout, Stderr *devnode.LockedBuffer
	done           chan struct{}
}

func (s *session) start(t *testing.T, args ...string) *background {
	t.Helper()
	b := &background{Stdout: &devnode.LockedBuffer{}, Stderr: &devnode.LockedBuffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(s.ctr, append([]string{"--address", s.node.Socket}, args...)...)
	b.cmd.Env = devnode.CleanEnv()
	b.cmd.Stdout, b.cmd.Stderr = b.Stdout, b.Stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() { b.stop() })
	t.Logf("$ ctr %s &", strings.Join(args, " "))
	return b
}

// stop interrupts the command as Ctrl-C does and waits for it.
func (b *background) stop() {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// waitFor waits until stdout contains want and returns stdout.
func (b *background) waitFor(t *testing.T, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out := b.Stdout.String()
		if strings.Contains(out, want) {
			return out
		}
		select {
		case <-b.done:
			t.Fatalf("ended before printing %q; stdout %q stderr %q", want, out, b.Stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %s; stdout %q stderr %q", want, within, out, b.Stderr.String())
		}
	}
}
