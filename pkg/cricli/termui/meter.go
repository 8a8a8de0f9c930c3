package termui

import (
	"io"
	"sync"
	"time"

	"github.com/ctrcri/ctrcri/pkg/views"
)

// meter counts the bytes going through a reader or writer and redraws
// the transfer's line at most every 100ms. Load reads its input on a
// goroutine of its own, hence the lock.
type meter struct {
	mu    sync.Mutex
	v     *LiveView
	t     views.Transfer
	start time.Time
	last  time.Time
}

// NewMeter starts a progress meter of total bytes on v (nil: none).
func NewMeter(v *LiveView, t views.Transfer) *meter {
	return &meter{v: v, t: t, start: time.Now()}
}

func (m *meter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Done += int64(n)
	if now := time.Now(); now.Sub(m.last) >= 100*time.Millisecond {
		m.last = now
		m.t.Elapsed = now.Sub(m.start)
		m.v.Draw(views.TransferFrame(m.t, m.v.Screen()))
	}
}

func (m *meter) Unpacking(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Unpacking, m.t.Elapsed = ref, time.Since(m.start)
	m.v.Draw(views.TransferFrame(m.t, m.v.Screen()))
}

// End erases the line after a failure, or leaves verb's final line: the
// file's size for a file read whole (the importer need not read the
// archive's trailing padding), else the bytes counted.
func (m *meter) End(verb string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.v.End("")
		return
	}
	m.t.Elapsed, m.t.Unpacking = time.Since(m.start), ""
	if m.t.Total > 0 && !m.t.Estimated {
		m.t.Done = m.t.Total
	}
	m.v.End(views.TransferDone(verb, m.t))
}

// MeterReader counts what is read through it on a meter.
type MeterReader struct {
	R io.Reader
	M *meter
}

func (r *MeterReader) Read(p []byte) (int, error) {
	n, err := r.R.Read(p)
	r.M.add(n)
	return n, err
}

// MeterWriter counts what is written through it on a meter.
type MeterWriter struct {
	W io.Writer
	M *meter
}

func (w *MeterWriter) Write(p []byte) (int, error) {
	n, err := w.W.Write(p)
	w.M.add(n)
	return n, err
}
