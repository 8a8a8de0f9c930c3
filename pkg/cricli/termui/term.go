package termui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/stream"
)

// Interruptible ends ctx on Ctrl-C, SIGTERM or SIGHUP so that long-running
// commands (logs -f, events, port-forward, stats -w, exec) stop through
// their normal return path: deferred terminal restores run, listeners close.
func Interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// Interrupted reports whether err is the consequence of Ctrl-C or a signal
// cancelling ctx: whatever was in flight then fails in its own way, a
// wrapped RPC error as much as context.Canceled. ctr's global --timeout
// running out is not an interruption: that error is reported.
func Interrupted(ctx context.Context, err error) bool {
	return err != nil && errors.Is(ctx.Err(), context.Canceled)
}

// TerminalFd returns the descriptor behind a reader or writer and whether it
// is a terminal.
func TerminalFd(v any) (int, bool) {
	f, ok := v.(interface{ Fd() uintptr })
	if !ok {
		return -1, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// rawTerminal is a terminal switched to raw mode; Restore may be called any
// number of times from any goroutine.
type rawTerminal struct {
	fd    int
	state *term.State
	once  sync.Once
}

// MakeRaw puts the terminal fd into raw mode until Restore.
func MakeRaw(fd int) (*rawTerminal, error) {
	st, err := term.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	return &rawTerminal{fd: fd, state: st}, nil
}

func (t *rawTerminal) Restore() {
	t.once.Do(func() { _ = term.Restore(t.fd, t.state) })
}

// sizeQueue reports a terminal's size at the start and after every
// SIGWINCH until ctx ends; it implements stream.TerminalSizeQueue.
type sizeQueue struct {
	fd   int
	ch   chan stream.TerminalSize
	done <-chan struct{}
}

// NewSizeQueue sends the terminal's size, then each change, until ctx ends.
func NewSizeQueue(ctx context.Context, fd int) *sizeQueue {
	q := &sizeQueue{fd: fd, ch: make(chan stream.TerminalSize, 1), done: ctx.Done()}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	q.send()
	go func() {
		defer signal.Stop(winch)
		for {
			select {
			case <-ctx.Done():
				return
			case <-winch:
				q.send()
			}
		}
	}()
	return q
}

// send queues the current size, replacing one not yet consumed: only the
// latest size matters.
func (q *sizeQueue) send() {
	w, h, err := term.GetSize(q.fd)
	if err != nil || w <= 0 || h <= 0 {
		return
	}
	select {
	case <-q.ch:
	default:
	}
	q.ch <- stream.TerminalSize{Width: uint16(w), Height: uint16(h)}
}

func (q *sizeQueue) Next() *stream.TerminalSize {
	select {
	case s := <-q.ch:
		return &s
	case <-q.done:
		return nil
	}
}

// detachKeys is crictl's (and docker's) detach sequence: ctrl-p, ctrl-q.
var detachKeys = []byte{0x10, 0x11}

// DetachReader passes terminal input through until the detach keys are
// typed, then calls onDetach and reports end of input. A partial sequence
// is held back until the next byte shows whether it was one.
type DetachReader struct {
	r        io.Reader
	onDetach func()
	buf      [4096]byte
	pending  []byte
	matched  int
	err      error
	detached bool
}

// NewDetachReader returns a DetachReader of r that calls onDetach once,
// when the detach keys have been typed.
func NewDetachReader(r io.Reader, onDetach func()) *DetachReader {
	return &DetachReader{r: r, onDetach: onDetach}
}

// Read returns the input read so far, less the detach keys; after them,
// io.EOF.
func (d *DetachReader) Read(p []byte) (int, error) {
	for len(d.pending) == 0 {
		if d.detached {
			return 0, io.EOF
		}
		if d.err != nil {
			return 0, d.err
		}
		n, err := d.r.Read(d.buf[:])
		for _, b := range d.buf[:n] {
			if b == detachKeys[d.matched] {
				d.matched++
				if d.matched == len(detachKeys) {
					d.detached = true
					d.onDetach()
					break
				}
				continue
			}
			d.pending = append(d.pending, detachKeys[:d.matched]...)
			d.matched = 0
			if b == detachKeys[0] {
				d.matched = 1
				continue
			}
			d.pending = append(d.pending, b)
		}
		if err != nil && !d.detached {
			d.pending = append(d.pending, detachKeys[:d.matched]...)
			d.matched = 0
			d.err = err
		}
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}

// LineWriter prefixes every line written to w and writes whole lines only,
// under a lock shared by all writers of w, so that the output of several
// containers interleaves by line and never mid-line. Close flushes an
// unterminated last line.
type LineWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
	buf    []byte
	// messages: each Write is one message whose text may come from a
	// server (port-forward's errors); it is written as one escaped line.
	messages bool
}

// NewLineWriter returns a LineWriter of w that passes whole lines through
// as they are, under mu, the lock of every writer of w.
func NewLineWriter(w io.Writer, mu *sync.Mutex) *LineWriter {
	return &LineWriter{w: w, mu: mu}
}

// NewMessageWriter returns a LineWriter of w for messages that may come
// from a server: each Write is one message, written under mu as one
// escaped line after prefix.
func NewMessageWriter(w io.Writer, mu *sync.Mutex, prefix string) *LineWriter {
	return &LineWriter{w: w, mu: mu, prefix: prefix, messages: true}
}

// Write writes the whole lines of p and holds back an unterminated end;
// a message writer writes p as one line.
func (l *LineWriter) Write(p []byte) (int, error) {
	if l.messages {
		msg := printer.Escape(strings.TrimSuffix(string(p), "\n")) + "\n"
		if err := l.emit([]byte(msg)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.emit(l.buf[:i+1]); err != nil {
			return 0, err
		}
		l.buf = l.buf[i+1:]
	}
}

func (l *LineWriter) emit(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := io.WriteString(l.w, l.prefix); err != nil {
		return err
	}
	_, err := l.w.Write(line)
	return err
}

// Close writes an unterminated last line, with a newline.
func (l *LineWriter) Close() error {
	if len(l.buf) == 0 {
		return nil
	}
	line := append(l.buf, '\n')
	l.buf = nil
	return l.emit(line)
}
