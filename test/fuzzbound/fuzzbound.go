// Package fuzzbound bounds the time of one fuzz input, for the fuzz tests of
// every package (it imports nothing of the module, so internal tests may
// use it).
package fuzzbound

import (
	"testing"
	"time"
)

// Limit is how long one input may take: the config checker once hung for
// minutes on a 791-byte merge-key fan-out (F9).
const Limit = 5 * time.Second

// Run fails t when fn does not return within Limit.
func Run(t testing.TB, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(Limit):
		t.Fatalf("%s did not finish within %s", what, Limit)
	}
}
