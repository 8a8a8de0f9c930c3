package termui

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/ctrcri/ctrcri/pkg/views"
)

// LiveView redraws a block of lines in place on a terminal: each frame
// replaces the one before, and end leaves one final line or nothing.
// containerd's progress.Writer is not used: it measures the screen on
// stdin, so with stdin redirected (load - < x.tar) it stops erasing and
// frames pile up. Here every line is cut to the width, so the lines to
// erase are the lines written.
type LiveView struct {
	mu    sync.Mutex
	w     io.Writer
	fd    int
	color bool
	lines int
	ended bool
}

// OpenLiveView returns a view on stderr, or nil when stderr is not a
// terminal (pipes and files get nothing while running: output.md's
// "stderr is empty on success") or when --debug traces go there too.
// off is asked only for a terminal: it may read the config file.
func OpenLiveView(errw io.Writer, off func() bool) *LiveView {
	fd, ok := TerminalFd(errw)
	if !ok {
		return nil
	}
	if off() {
		return nil
	}
	return &LiveView{w: errw, fd: fd, color: os.Getenv("NO_COLOR") == ""}
}

// Screen is the terminal's size now (it may have been resized).
func (v *LiveView) Screen() views.Screen {
	w, h, err := term.GetSize(v.fd)
	if err != nil || w <= 0 || h <= 0 {
		w, h = 80, 24
	}
	return views.Screen{Width: w, Height: h, Color: v.color}
}

// Draw replaces the frame on the terminal with lines.
func (v *LiveView) Draw(lines ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended || len(lines) == 0 && v.lines == 0 {
		return
	}
	var b strings.Builder
	v.erase(&b)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	// A frame is a best-effort redraw on stderr: a write that fails
	// leaves nothing worth reporting, and the next frame tries again.
	_, _ = io.WriteString(v.w, b.String())
	v.lines = len(lines)
}

// erase moves to the first line of the last frame and clears to the end
// of the screen.
func (v *LiveView) erase(b *strings.Builder) {
	if v.lines > 0 {
		fmt.Fprintf(b, "\x1b[%dA", v.lines)
	}
	b.WriteString("\r\x1b[J")
}

// End erases the frame and writes final ("" for nothing) in its place;
// later draws are ignored.
func (v *LiveView) End(final string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ended {
		return
	}
	v.ended = true
	var b strings.Builder
	if v.lines > 0 {
		v.erase(&b)
	}
	if final != "" {
		b.WriteString(final + "\n")
	}
	// Best effort like Draw: End runs as the command finishes, and its
	// outcome, not the progress line, is what decides the exit status.
	_, _ = io.WriteString(v.w, b.String())
}
