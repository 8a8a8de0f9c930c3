package devnode

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// RunTimeout bounds one Run: a hung command fails its test instead of the
// whole package timing out.
const RunTimeout = 2 * time.Minute

// Result is what one command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	Code           int // exit code; -1 when it did not exit on its own
}

// Runner runs a binary (ctr, crictl) as an operator would, for the suites
// that drive a dev node: test/e2e and test/matrix.
type Runner struct {
	Bin string
	// Args go before every invocation's own (--address SOCK); the logged
	// command line leaves them out.
	Args []string
}

// Run runs the binary with args, stdin fed from a string, in CleanEnv, and
// returns what happened: a non-zero exit is not a failure by itself, not
// running at all is. Each run is logged as a shell line and its output.
func (r Runner) Run(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Bin, append(slices.Clone(r.Args), args...)...)
	cmd.Env = CleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	name := filepath.Base(r.Bin)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	default:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	t.Logf("$ %s %s  # exit %d\n%s%s", name, strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	return res
}

// CleanEnv is the test's environment minus the variables that choose an
// endpoint, namespace or config, so the host's settings never leak into a
// test.
func CleanEnv() []string {
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

// LockedBuffer collects a running command's output while the test reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor polls until the output contains want and returns it; it fails
// the test after 30 s.
func (l *LockedBuffer) WaitFor(t testing.TB, want string) string {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if s := l.String(); strings.Contains(s, want) {
			return s
		}
	}
	t.Fatalf("never saw %q in %q", want, l.String())
	return ""
}
