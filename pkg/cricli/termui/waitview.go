package termui

import (
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// WaitView tells a person at a terminal what a command is still waiting
// for, once it has waited a second: stopping a pod whose container ignores
// SIGTERM takes the whole grace period, and was silent until it ended.
// Nothing is drawn for operations that finish within the second, and
// nothing at all when stderr is not a terminal (a nil *waitView).
type WaitView struct {
	v       *LiveView
	after   time.Duration
	mu      sync.Mutex
	seq     int
	pending map[int]pendingOp
	quit    chan struct{}
	stopped chan struct{}
}

type pendingOp struct {
	what, why string
	since     time.Time
}

// waitAfter is how long an operation runs before it is shown.
const waitAfter = time.Second

// StartWaitLines draws on v (nil: nothing is drawn).
func StartWaitLines(v *LiveView) *WaitView {
	if v == nil {
		return nil
	}
	w := &WaitView{v: v, after: waitAfter, pending: map[int]pendingOp{}, quit: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w
}

// Track records an operation from now until the returned func is called.
func (w *WaitView) Track(what, why string) (untrack func()) {
	if w == nil {
		return func() {}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	k := w.seq
	w.pending[k] = pendingOp{what, why, time.Now()}
	return func() {
		w.mu.Lock()
		delete(w.pending, k)
		w.mu.Unlock()
	}
}

// Println writes lines to out (stdout) with the frame out of the way: on
// one terminal, a line printed inside the frame would be erased with it.
// It stops at the first write error and returns it.
func (w *WaitView) Println(out io.Writer, lines []string) error {
	var err error
	write := func() {
		for _, l := range lines {
			if _, err = io.WriteString(out, printer.Escape(l)+"\n"); err != nil {
				return
			}
		}
	}
	if w == nil {
		write()
		return err
	}
	w.v.clearFor(write)
	return err
}

func (w *WaitView) loop() {
	defer close(w.stopped)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-w.quit:
			return
		case now := <-t.C:
			w.v.Draw(views.WaitFrame(w.waiting(now), w.v.Screen())...)
		}
	}
}

// waiting is what has waited longer than w.after, oldest first.
func (w *WaitView) waiting(now time.Time) []views.Waiting {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := make([]int, 0, len(w.pending))
	for k, p := range w.pending {
		if now.Sub(p.since) >= w.after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]views.Waiting, len(keys))
	for i, k := range keys {
		p := w.pending[k]
		out[i] = views.Waiting{What: p.what, Why: p.why, For: now.Sub(p.since)}
	}
	return out
}

// End erases the frame; stderr keeps nothing of it.
func (w *WaitView) End() {
	if w == nil {
		return
	}
	close(w.quit)
	<-w.stopped
	w.v.End("")
}

// clearFor erases the frame, if one is drawn, and runs print; the next
// Draw starts below what print wrote.
func (v *LiveView) clearFor(print func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.lines > 0 {
		var b strings.Builder
		v.erase(&b)
		// Best effort like Draw: only the frame on stderr is lost.
		_, _ = io.WriteString(v.w, b.String())
		v.lines = 0
	}
	print()
}
