package termui

import (
	"io"
	"sync"
	"time"

	"github.com/ctrcri/ctrcri/pkg/views"
)

// Meter counts the bytes going through a reader or writer and redraws
// the transfer's line at most every 100ms. Load reads its input on a
// goroutine of its own, hence the lock.
type Meter struct {
	mu    sync.Mutex
	v     *LiveView
	t     views.Transfer
	start time.Time
	last  time.Time
}

// NewMeter starts a progress meter of total bytes on v (nil: none).
func NewMeter(v *LiveView, t views.Transfer) *Meter {
	return &Meter{v: v, t: t, start: time.Now()}
}

func (m *Meter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Done += int64(n)
	if now := time.Now(); now.Sub(m.last) >= 100*time.Millisecond {
		m.last = now
		m.t.Elapsed = now.Sub(m.start)
		m.v.Draw(views.TransferFrame(m.t, m.v.Screen()))
	}
}

// Unpacking shows that the bytes are all in and ref is being unpacked.
func (m *Meter) Unpacking(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Unpacking, m.t.Elapsed = ref, time.Since(m.start)
	m.v.Draw(views.TransferFrame(m.t, m.v.Screen()))
}

// End erases the line after a failure, or leaves verb's final line: the
// file's size for a file read whole (the importer need not read the
// archive's trailing padding), else the bytes counted.
func (m *Meter) End(verb string, err error) {
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

// Reader returns r counting what is read through it on m.
func (m *Meter) Reader(r io.Reader) io.Reader { return &meterReader{r: r, m: m} }

// Writer returns w counting what is written through it on m.
func (m *Meter) Writer(w io.Writer) io.Writer { return &meterWriter{w: w, m: m} }

type meterReader struct {
	r io.Reader
	m *Meter
}

func (r *meterReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.m.add(n)
	return n, err
}

type meterWriter struct {
	w io.Writer
	m *Meter
}

func (w *meterWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.m.add(n)
	return n, err
}
