package cricli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
)

// R3: a named pipe at a container's log path is refused within a second
// (it used to block open, past ctr --timeout and Ctrl-C).
func TestLogsRefusesANamedPipe(t *testing.T) {
	n := newStreamNode(t)
	path := filepath.Join(t.TempDir(), "0.log")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	n.setLogPath(ctrW, path)
	for _, args := range [][]string{{"cri", "logs", "nginx"}, {"cri", "logs", "-f", "nginx"}} {
		done := make(chan result, 1)
		start := time.Now()
		go func() { done <- ctr(t, n.Endpoint, args...) }()
		select {
		case r := <-done:
			r.fails(t, 1, "log file "+path+" is not a regular file (a named pipe)")
			if d := time.Since(start); d > time.Second {
				t.Errorf("%v took %s", args, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%v did not finish", args)
		}
	}
}

// R3: a named pipe at a failed container's log path neither hangs a
// one-shot diagnose nor keeps diagnose --every from ending on its
// deadline (ctr --timeout) or a signal (the context's end).
func TestDiagnoseWithANamedPipeLogFinishes(t *testing.T) {
	s := diagnoseNode(t)
	fifo := filepath.Join(t.TempDir(), "0.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	s.SetContainers(exitedJob(fifo))
	withContainerd(t, ctrdtest.Mirror(s))
	for _, args := range [][]string{
		{"--timeout", "5s", "cri", "diagnose", "-o", "json"},
		{"--timeout", "2s", "cri", "diagnose", "--every", "1s", "-o", "ndjson"},
	} {
		done := make(chan result, 1)
		start := time.Now()
		go func() { done <- ctr(t, s.Endpoint, args...) }()
		select {
		case r := <-done:
			if !strings.Contains(r.stdout, `is not a regular file (a named pipe)`) {
				t.Errorf("%v: stdout %q stderr %q", args, r.stdout, r.stderr)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("%v took %s", args, d)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v did not finish", args)
		}
	}
}
