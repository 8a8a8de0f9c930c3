package runtimetest

import (
	"testing"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Client is a client of s with default options, closed at the end of the test.
func (s *Server) Client(t testing.TB) *runtime.Client {
	t.Helper()
	c, err := runtime.New(runtime.Options{RuntimeEndpoint: s.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
