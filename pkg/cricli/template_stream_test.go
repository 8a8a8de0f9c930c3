package cricli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// closedAfter is a reader that went away (| head -c 100): it takes limit
// bytes, then every write fails.
type closedAfter struct {
	limit, offered int
}

func (c *closedAfter) Write(p []byte) (int, error) {
	c.offered += len(p)
	if c.offered > c.limit {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

// F26: go-template output is streamed: a reader that stops after 100 bytes
// stops the template, instead of the whole output being built in memory
// first (an unbounded {{range}} was OOM-killed with 0 bytes written).
func TestGoTemplateOutputIsStreamed(t *testing.T) {
	s := node(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	out := &closedAfter{limit: 100}
	var stderr bytes.Buffer
	start := time.Now()
	code := Run(context.Background(), ctrRoot(), []string{"ctr", "--address", s.Endpoint, "cri", "version",
		"-o", "go-template={{range 10000000}}xxxxxxxxxxxxxxxx{{end}}"}, out, &stderr)
	if code != cmdutil.ExitFailed || !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("exit %d stderr %q, want 1 and the write error", code, stderr.String())
	}
	if out.offered > 1<<20 {
		t.Errorf("the template built %d bytes before the first write failed; want it streamed in small writes", out.offered)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s to notice the reader was gone", took)
	}
}

// A multi-target command whose stdout fails (a full disk, a reader gone)
// still stops every target, and exits 1 with the write error instead of
// 0 with the IDs lost.
func TestStopReportsAFailedStdoutWrite(t *testing.T) {
	s := node(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	var stderr bytes.Buffer
	code := Run(context.Background(), ctrRoot(), []string{"ctr", "--address", s.Endpoint, "cri", "stop", "nginx", "postgres"}, &closedAfter{}, &stderr)
	if code != cmdutil.ExitFailed || strings.Count(stderr.String(), "broken pipe") != 1 {
		t.Errorf("exit %d stderr %q, want 1 and the write error once", code, stderr.String())
	}
	if n := strings.Count(strings.Join(s.RuntimeCalls(), " "), "StopContainer"); n != 2 {
		t.Errorf("%d StopContainer calls, want 2: %v", n, s.RuntimeCalls())
	}
}
