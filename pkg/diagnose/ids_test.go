package diagnose_test

import (
	"testing"

	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

func newClient(t *testing.T, s *runtimetest.Server) *runtime.Client {
	t.Helper()
	c, err := runtime.New(runtime.Options{RuntimeEndpoint: s.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Full-length IDs, so that short-ID output is exercised.
const (
	podReady = "pod-ready-0000000000000000000000000000000000000000000000000000000"
	podDown  = "pod-down-00000000000000000000000000000000000000000000000000000000"
	ctrRun   = "ctr-run-000000000000000000000000000000000000000000000000000000000"
	ctrDone  = "ctr-done-00000000000000000000000000000000000000000000000000000000"
)
