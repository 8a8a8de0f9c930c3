package cricli

import (
	"io"
	"sync"
	"time"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// meter counts the bytes going through a reader or writer and redraws
// the transfer's line at most every 100ms. Load reads its input on a
// goroutine of its own, hence the lock.
type meter struct {
	mu    sync.Mutex
	v     *liveView
	t     printer.Transfer
	start time.Time
	last  time.Time
}

func newMeter(v *liveView, t printer.Transfer) *meter {
	return &meter{v: v, t: t, start: time.Now()}
}

func (m *meter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Done += int64(n)
	if now := time.Now(); now.Sub(m.last) >= 100*time.Millisecond {
		m.last = now
		m.t.Elapsed = now.Sub(m.start)
		m.v.draw(printer.TransferFrame(m.t, m.v.screen()))
	}
}

func (m *meter) unpacking(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Unpacking, m.t.Elapsed = ref, time.Since(m.start)
	m.v.draw(printer.TransferFrame(m.t, m.v.screen()))
}

// end erases the line after a failure, or leaves verb's final line: the
// file's size for a file read whole (the importer need not read the
// archive's trailing padding), else the bytes counted.
func (m *meter) end(verb string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.v.end("")
		return
	}
	m.t.Elapsed, m.t.Unpacking = time.Since(m.start), ""
	if m.t.Total > 0 && !m.t.Estimated {
		m.t.Done = m.t.Total
	}
	m.v.end(printer.TransferDone(verb, m.t))
}

type meterReader struct {
	r io.Reader
	m *meter
}

func (r *meterReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.m.add(n)
	return n, err
}

type meterWriter struct {
	w io.Writer
	m *meter
}

func (w *meterWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.m.add(n)
	return n, err
}
