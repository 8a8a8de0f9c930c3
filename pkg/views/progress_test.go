package views

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
)

const (
	dCfg   = "sha256:c0ffee0000000000000000000000000000000000000000000000000000000000"
	dBase  = "sha256:ba5e000000000000000000000000000000000000000000000000000000000000"
	dLayer = "sha256:1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"
)

var colourCodes = regexp.MustCompile(`\x1b\[[0-9]+m`)

func pulling() ctrd.PullStatus {
	return ctrd.PullStatus{Elapsed: 2 * time.Second, Blobs: []ctrd.PullBlob{
		{Digest: dCfg, Kind: "config", Size: 1500, Offset: 1500, State: ctrd.BlobDone},
		{Digest: dBase, Kind: "layer", Size: 3 << 20, Offset: 3 << 20, State: ctrd.BlobExists},
		{Digest: dLayer, Kind: "layer", Size: 40 << 20, Offset: 10 << 20, State: ctrd.BlobDownloading, Rate: 5 << 20},
	}}
}

// Finding A.9: no rate, no ETA, no per-layer bars. Each blob of the pull
// gets a line; the one downloading has containerd's bar, its size, rate
// and ETA; the total adds the overall rate and ETA.
func TestPullFrameBarsWithRateAndETA(t *testing.T) {
	t.Parallel()
	got := PullFrame("localhost:5000/e2e/hello:1", pulling(), Screen{Width: 100, Height: 24, Color: true})
	plain := make([]string, len(got))
	for i, l := range got {
		plain[i] = colourCodes.ReplaceAllString(l, "")
	}
	want := []string{
		"Pulling localhost:5000/e2e/hello:1",
		"config c0ffee000000  done        1.5 KiB",
		"layer  ba5e00000000  exists      3.0 MiB",
		"layer  1a2b3c4d5e6f  |+++++++++-----------------------------|  10.0 MiB/40.0 MiB  5.0 MiB/s  ETA 6s",
		"total  10.0 MiB/40.0 MiB  5.0 MiB/s  ETA 6s  elapsed 2.0s",
	}
	if strings.Join(plain, "\n") != strings.Join(want, "\n") {
		t.Errorf("frame:\n%s\nwant:\n%s", strings.Join(plain, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(got[3], "\x1b[32m") {
		t.Errorf("the bar should be green on a colour terminal: %q", got[3])
	}
	for _, l := range PullFrame("x", pulling(), Screen{Width: 100, Height: 24}) {
		if strings.Contains(l, "\x1b") {
			t.Errorf("no colour (NO_COLOR) still wrote an escape: %q", l)
		}
	}
}

func TestPullFrameFitsTheScreen(t *testing.T) {
	t.Parallel()
	st := pulling()
	for range 30 {
		st.Blobs = append(st.Blobs, ctrd.PullBlob{Digest: dLayer, Kind: "layer", Size: 1 << 20, State: ctrd.BlobWaiting})
	}
	got := PullFrame(strings.Repeat("long/", 40)+"name:1", st, Screen{Width: 70, Height: 10})
	if len(got) > 10-1 {
		t.Errorf("%d lines on a 10-line screen", len(got))
	}
	for _, l := range got {
		if n := utf8.RuneCountInString(colourCodes.ReplaceAllString(l, "")); n > 69 {
			t.Errorf("line of %d columns on a 70-column screen: %q", n, l)
		}
	}
	if !strings.Contains(strings.Join(got, "\n"), "1a2b3c4d5e6f  |") || !strings.Contains(got[len(got)-2], "… 27 more (2 done)") {
		t.Errorf("the download should be kept and the rest summed up:\n%s", strings.Join(got, "\n"))
	}
	if got := PullFrame("busybox", ctrd.PullStatus{Elapsed: time.Second}, Screen{Width: 80, Height: 24}); len(got) != 1 || got[0] != "Pulling busybox: resolving  1.0s" {
		t.Errorf("before the manifest: %q", got)
	}
}

func TestPullDoneLine(t *testing.T) {
	t.Parallel()
	st := pulling()
	st.Blobs[2].Offset, st.Blobs[2].State = st.Blobs[2].Size, ctrd.BlobDone
	st.Elapsed = 4 * time.Second
	for _, tc := range []struct {
		st   ctrd.PullStatus
		want string
	}{
		{st, "Pulled busybox in 4.0s: 40.0 MiB (10.0 MiB/s), 2 blobs, 1 already present"},
		{ctrd.PullStatus{Elapsed: time.Second, Blobs: st.Blobs[1:2]}, "Pulled busybox in 1.0s: nothing to download, 1 blob already present"},
		{ctrd.PullStatus{Elapsed: time.Second}, "Pulled busybox in 1.0s"},
	} {
		if got := PullDone("busybox", tc.st); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestTransferFrame(t *testing.T) {
	t.Parallel()
	s := Screen{Width: 90, Height: 24}
	for _, tc := range []struct {
		in   Transfer
		want string
	}{
		{Transfer{Name: "big.tar", Done: 30 << 20, Total: 120 << 20, Elapsed: 3 * time.Second},
			"big.tar  |++++++++------------------------|  30.0 MiB/120.0 MiB (25%)  10.0 MiB/s  ETA 9s"},
		{Transfer{Name: "-", Done: 30 << 20, Elapsed: 3 * time.Second}, "-  30.0 MiB  10.0 MiB/s"},
		{Transfer{Name: "out.tar", Done: 60 << 20, Total: 120 << 20, Elapsed: 3 * time.Second, Estimated: true},
			"out.tar  |+++++++++++++++----------------|  60.0 MiB/~120.0 MiB (50%)  20.0 MiB/s  ETA 3s"},
	} {
		if got := TransferFrame(tc.in, s); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	long := Transfer{Name: "/tmp/" + strings.Repeat("d", 60) + "/progress.tar", Done: 1 << 20, Total: 2 << 20, Elapsed: time.Second}
	if got := TransferFrame(long, Screen{Width: 100}); !strings.HasPrefix(got, "…ddd") || utf8.RuneCountInString(got) != 99 ||
		!strings.HasSuffix(got, "d/progress.tar  |++++----|  1.0 MiB/2.0 MiB (50%)  1.0 MiB/s  ETA 1s") {
		t.Errorf("a long file name should give way to the bar: %q (%d)", got, utf8.RuneCountInString(got))
	}
	if got := TransferDone("Loaded", Transfer{Name: "big.tar", Done: 120 << 20, Elapsed: 4 * time.Second}); got != "Loaded big.tar: 120.0 MiB in 4.0s (30.0 MiB/s)" {
		t.Errorf("done line %q", got)
	}
}

// Names from the registry, the archive or the command line cannot drive
// the terminal.
func TestProgressEscapesNames(t *testing.T) {
	t.Parallel()
	s := Screen{Width: 200, Height: 24}
	evil := "evil\x1b[2J"
	st := pulling()
	st.Blobs[0].Digest = "sha256:\x1b]0;t\x07"
	out := strings.Join(PullFrame(evil, st, s), "\n") + PullDone(evil, st) +
		TransferFrame(Transfer{Name: evil, Done: 1, Total: 2, Elapsed: time.Second}, s) + TransferDone("Saved", Transfer{Name: evil})
	if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b]0") || !strings.Contains(out, `evil\x1b[2J`) {
		t.Errorf("a name reached the terminal unescaped:\n%q", out)
	}
}

// What a stop waits for fits the screen: lines cut to its width, no more
// lines than it holds (the rest counted), pod names escaped.
func TestWaitFrameFitsTheScreenAndEscapes(t *testing.T) {
	t.Parallel()
	ws := make([]Waiting, 10)
	for i := range ws {
		ws[i] = Waiting{What: "Stopping pod ns/evil\x1b[2J", Why: "waiting for its containers to exit (each is killed when its grace period ends)", For: 3 * time.Second}
	}
	got := WaitFrame(ws, Screen{Width: 40, Height: 6})
	if len(got) != 4 || got[3] != "… and 7 more" {
		t.Errorf("10 waits on a 6-line screen: %q", got)
	}
	for _, l := range got {
		if strings.Contains(l, "\x1b") || len([]rune(l)) > 39 {
			t.Errorf("line %q is unescaped or wider than the screen", l)
		}
	}
	if one := WaitFrame(ws[:1], Screen{Width: 200, Height: 24}); len(one) != 1 || one[0] != `Stopping pod ns/evil\x1b[2J: 3s, waiting for its containers to exit (each is killed when its grace period ends)` {
		t.Errorf("one wait: %q", one)
	}
}
