package printer

import (
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func TestPullProgress(t *testing.T) {
	for _, tc := range []struct {
		in      []runtime.Ingest
		fetched bool
		want    string
	}{
		{nil, false, "Pulling busybox: resolving [1s]"},
		{[]runtime.Ingest{{Ref: "layer-1", Offset: 500_000, Total: 2_000_000}, {Ref: "config", Offset: 0, Total: 0}}, true,
			"Pulling busybox: 2 blobs, 500kB of 2MB (25%) [1s]"},
		{[]runtime.Ingest{{Ref: "layer-1", Offset: 1_000}}, true, "Pulling busybox: 1 blob, 1kB [1s]"},
		{nil, true, "Pulling busybox: unpacking [1s]"},
	} {
		if got := PullProgress("busybox", tc.in, tc.fetched, 1200*time.Millisecond); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if got := PullProgress("evil\x1b[2J", nil, false, 0); got != `Pulling evil\x1b[2J: resolving [0s]` {
		t.Errorf("the image name must be escaped: %q", got)
	}
}
