package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/pkg/progress"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// Progress frames are what pull, load and save redraw on a terminal. They
// are built from containerd's progress package, as ctr's are (its bar, its
// binary units), and carry no cursor control: the caller owns the screen.

// Screen is the terminal a frame is drawn for.
type Screen struct {
	Width, Height int
	Color         bool // the bars' green; off for NO_COLOR
}

// Bars keep to what a terminal of this size can hold.
const (
	minBar = 10
	maxBar = 40
)

// bar is containerd's progress bar, w cells wide; the colour codes take
// no cells.
func (s Screen) bar(frac float64, w int) string {
	b := fmt.Sprintf("%*r", w, progress.Bar(frac))
	if !s.Color {
		b = strings.NewReplacer("\x1b[32m", "", "\x1b[0m", "").Replace(b)
	}
	return b
}

// line fits a line without colour codes into the screen's width (one
// column is kept free: writing the last one makes some terminals wrap).
func (s Screen) line(text string) string {
	r := []rune(text)
	if w := max(s.Width-1, 1); len(r) > w {
		return string(r[:w-1]) + "…"
	}
	return text
}

// withBar puts a bar between head and tail if one of at least minBar
// cells fits the width, shortening a long head (a file path) from the left
// to make room, and leaves the bar out otherwise.
func (s Screen) withBar(head, tail string, frac float64) string {
	h := []rune(head)
	room := s.Width - 1 - len(h) - len([]rune(tail)) - 4
	if need := minBar - room; need > 0 && len(h)-need-1 >= minBar {
		head, room = "…"+string(h[need+1:]), minBar
	}
	if room < minBar {
		return s.line(head + "  " + tail)
	}
	return head + "  " + s.bar(frac, min(room, maxBar)) + "  " + tail
}

// eta is how long the rest takes at rate, "--" while there is no rate.
func eta(rest int64, rate float64) string {
	if rate <= 0 {
		return "--"
	}
	return (time.Duration(float64(rest) / rate * float64(time.Second))).Round(time.Second).String()
}

func rate(bps float64) string { return progress.BytesPerSecond(int64(bps)).String() }

func secs(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// PullFrame is the display of a pull in progress: a header, one line per
// blob of this pull (downloading ones with bar, size, rate and ETA), and a
// total. Blobs beyond the screen's height are summed up in one line.
func PullFrame(image string, st ctrd.PullStatus, s Screen) []string {
	head := "Pulling " + printer.Escape(image)
	downloading, finished := 0, 0
	for _, b := range st.Blobs {
		switch b.State {
		case ctrd.BlobDownloading:
			downloading++
		case ctrd.BlobDone, ctrd.BlobExists:
			finished++
		}
	}
	switch {
	case len(st.Blobs) == 0:
		return []string{s.line(head + ": resolving  " + secs(st.Elapsed))}
	case finished == len(st.Blobs):
		head += ": unpacking"
	}
	lines := []string{s.line(head)}
	// Downloads first when not all fit, then what waits, then what is in.
	room := max(s.Height-3, 2)
	shown := st.Blobs
	if len(shown) > room {
		shown = nil
		for _, want := range []func(ctrd.BlobState) bool{
			func(x ctrd.BlobState) bool { return x == ctrd.BlobDownloading },
			func(x ctrd.BlobState) bool { return x == ctrd.BlobWaiting },
		} {
			for _, b := range st.Blobs {
				if want(b.State) && len(shown) < room-1 {
					shown = append(shown, b)
				}
			}
		}
	}
	for _, b := range shown {
		name := fmt.Sprintf("%-6s %s", b.Kind, shortDigest(b.Digest))
		switch b.State {
		case ctrd.BlobDownloading:
			var frac float64
			if b.Size > 0 {
				frac = float64(b.Offset) / float64(b.Size)
			}
			tail := fmt.Sprintf("%s/%s  %s  ETA %s", progress.Bytes(b.Offset), progress.Bytes(b.Size), rate(b.Rate), eta(b.Size-b.Offset, b.Rate))
			lines = append(lines, s.withBar(name, tail, frac))
		case ctrd.BlobWaiting:
			lines = append(lines, s.line(fmt.Sprintf("%s  %-11s %s", name, "waiting", progress.Bytes(b.Size))))
		default:
			lines = append(lines, s.line(fmt.Sprintf("%s  %-11s %s", name, b.State, progress.Bytes(b.Size))))
		}
	}
	if rest := len(st.Blobs) - len(shown); rest > 0 {
		lines = append(lines, s.line(fmt.Sprintf("… %d more (%d done)", rest, finished)))
	}
	done, total := st.Downloaded()
	overall := float64(done) / max(st.Elapsed.Seconds(), 0.001)
	lines = append(lines, s.line(fmt.Sprintf("total  %s/%s  %s  ETA %s  elapsed %s",
		progress.Bytes(done), progress.Bytes(total), rate(overall), eta(total-done, overall), secs(st.Elapsed))))
	return lines
}

// PullDone is the line that stays on the terminal after a pull: what was
// pulled, how much this pull downloaded, and how long it took.
func PullDone(image string, st ctrd.PullStatus) string {
	head := fmt.Sprintf("Pulled %s in %s", printer.Escape(image), secs(st.Elapsed))
	if len(st.Blobs) == 0 {
		return head
	}
	present := 0
	for _, b := range st.Blobs {
		if b.State == ctrd.BlobExists {
			present++
		}
	}
	done, _ := st.Downloaded()
	if present == len(st.Blobs) {
		return fmt.Sprintf("%s: nothing to download, %d %s already present", head, present, plural(present, "blob", "blobs"))
	}
	line := fmt.Sprintf("%s: %s (%s), %d %s", head, progress.Bytes(done),
		rate(float64(done)/max(st.Elapsed.Seconds(), 0.001)), len(st.Blobs)-present, plural(len(st.Blobs)-present, "blob", "blobs"))
	if present > 0 {
		line += fmt.Sprintf(", %d already present", present)
	}
	return line
}

// Transfer is the progress of load reading an archive or save writing one.
type Transfer struct {
	Name    string // the file, "-" for standard input or output
	Done    int64
	Total   int64 // 0: unknown (a pipe)
	Elapsed time.Duration
	// Estimated: Total is what the images hold, not the archive's exact
	// size (save), so it is shown with a "~".
	Estimated bool
	// Unpacking is the image load is unpacking, once the archive is read.
	Unpacking string
}

// TransferFrame is one line: the file, a bar with bytes, rate and ETA when
// the total is known, bytes and rate when it is not (or an estimate fell
// short), or the image being unpacked.
func TransferFrame(t Transfer, s Screen) string {
	name := printer.Escape(t.Name)
	if t.Unpacking != "" {
		return s.line(fmt.Sprintf("%s: unpacking %s", name, printer.Escape(t.Unpacking)))
	}
	bps := float64(t.Done) / max(t.Elapsed.Seconds(), 0.001)
	if t.Total <= 0 || t.Done > t.Total {
		return s.line(fmt.Sprintf("%s  %s  %s", name, progress.Bytes(t.Done), rate(bps)))
	}
	total := progress.Bytes(t.Total).String()
	if t.Estimated {
		total = "~" + total
	}
	frac := min(float64(t.Done)/float64(t.Total), 1)
	tail := fmt.Sprintf("%s/%s (%d%%)  %s  ETA %s", progress.Bytes(t.Done), total, int(frac*100), rate(bps), eta(max(t.Total-t.Done, 0), bps))
	return s.withBar(name, tail, frac)
}

// TransferDone is the line that stays after a load or save: verb is
// "Loaded" or "Saved".
func TransferDone(verb string, t Transfer) string {
	return fmt.Sprintf("%s %s: %s in %s (%s)", verb, printer.Escape(t.Name), progress.Bytes(t.Done), secs(t.Elapsed),
		rate(float64(t.Done)/max(t.Elapsed.Seconds(), 0.001)))
}

// shortDigest is the first 12 hex digits, as ctr and docker show layers.
func shortDigest(d string) string {
	_, hex, ok := strings.Cut(d, ":")
	if !ok {
		hex = d
	}
	return printer.Escape(hex[:min(len(hex), 12)])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Waiting is an operation a command is still waiting for: What names it
// ("Stopping pod shop/web"), Why says what it waits on, For how long.
type Waiting struct {
	What, Why string
	For       time.Duration
}

// WaitFrame is a line per operation still waited for, as many as the
// screen holds; the rest are counted on the last line.
func WaitFrame(ws []Waiting, s Screen) []string {
	room := max(s.Height-2, 1)
	out := make([]string, 0, min(len(ws), room))
	for i, w := range ws {
		if i == room-1 && len(ws) > room {
			out = append(out, s.line(fmt.Sprintf("… and %d more", len(ws)-i)))
			break
		}
		out = append(out, s.line(fmt.Sprintf("%s: %ds, %s", printer.Escape(w.What), int(w.For.Seconds()), w.Why)))
	}
	return out
}
