package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// tuneGC trades a few MB for start-up time. ctr is short-lived: at the
// default GOGC a one-RPC command collects once mid-call (≈3 ms on 2 cores)
// for a few MB of garbage. GOGC=400 lets small commands finish without any
// GC; the first collection that does happen means the command is a large
// one (thousands of containers), and from then on the default applies, so
// large listings keep their usual peak memory and speed. GOGC or GOMEMLIMIT
// in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	// Finalizers run after the GC that found the object unreachable.
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) { debug.SetGCPercent(100) })
}

// gcSentinel is large enough to stay out of the tiny allocator, whose
// batched objects may never be finalized.
type gcSentinel struct{ _ [32]byte }
