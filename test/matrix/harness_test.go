package matrix

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// cmdTimeout bounds one invocation; a hung command fails its step.
const cmdTimeout = 2 * time.Minute

// result is what one invocation printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

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
func (s *session) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return s.exec(t, s.ctr, stdin, append([]string{"--address", s.node.Socket}, args...)...)
}

// ctrOK runs ctr and fails the step unless it exits 0; it returns stdout.
func (s *session) ctrOK(t *testing.T, args ...string) string {
	t.Helper()
	r := s.run(t, "", args...)
	if r.code != 0 {
		t.Fatalf("ctr %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// crictlRun runs the real crictl against the node.
func (s *session) crictlRun(t *testing.T, args ...string) result {
	t.Helper()
	return s.exec(t, s.crictl, "", append([]string{"--runtime-endpoint", "unix://" + s.node.Socket, "--image-endpoint", "unix://" + s.node.Socket}, args...)...)
}

func (s *session) exec(t *testing.T, bin, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	default:
		t.Fatalf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	t.Logf("$ %s %s  # exit %d\n%s%s", filepath.Base(bin), strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// background is a command left running (events, ps -w, port-forward).
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan struct{}
}

func (s *session) start(t *testing.T, args ...string) *background {
	t.Helper()
	b := &background{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(s.ctr, append([]string{"--address", s.node.Socket}, args...)...)
	b.cmd.Env = cleanEnv()
	b.cmd.Stdout, b.cmd.Stderr = b.stdout, b.stderr
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
		out := b.stdout.String()
		if strings.Contains(out, want) {
			return out
		}
		select {
		case <-b.done:
			t.Fatalf("ended before printing %q; stdout %q stderr %q", want, out, b.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %s; stdout %q stderr %q", want, within, out, b.stderr.String())
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cleanEnv drops the variables that choose an endpoint, namespace or config.
func cleanEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		switch name {
		case "CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE", "CONTAINER_RUNTIME_ENDPOINT", "IMAGE_SERVICE_ENDPOINT", "CRI_CONFIG_FILE":
			continue
		}
		env = append(env, e)
	}
	return env
}
