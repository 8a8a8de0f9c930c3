package cricli

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// crictl.yaml is read once per command line, so a config given through a
// pipe (ctr cri -c <(…) create …) serves create's pull policy and the
// connection alike: a second read would wait for a writer that is gone.
func TestConfigFileIsReadOnce(t *testing.T) {
	s := node(t)
	fifo := filepath.Join(t.TempDir(), "crictl.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the first read
		if err != nil {
			return
		}
		if _, err := w.WriteString("runtime-endpoint: " + s.Endpoint + "\n"); err != nil {
			t.Errorf("write the config to the FIFO: %v", err)
		}
		w.Close()
	}()
	ctrCfg, podCfg := file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)
	done := make(chan result, 1)
	go func() { done <- ctr(t, "", "cri", "-c", fifo, "create", "shop/web", ctrCfg, podCfg) }()
	select {
	case r := <-done:
		r.ok(t)
	case <-time.After(10 * time.Second):
		// Unblock the second open so the command can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("create still runs after 10s: crictl.yaml was read more than once")
	}
}
