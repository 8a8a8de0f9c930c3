package printer

import (
	"fmt"
	"time"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// PullProgress is the one-line status `pull` redraws on a terminal while
// containerd downloads: the image, the blobs in flight and bytes so far.
// fetched says downloads were seen before, so that no blob in flight means
// unpacking rather than resolving. It carries no cursor control; the caller
// owns the line.
func PullProgress(image string, ingests []runtime.Ingest, fetched bool, elapsed time.Duration) string {
	var done, total int64
	for _, in := range ingests {
		done += in.Offset
		total += in.Total
	}
	line := fmt.Sprintf("Pulling %s: ", Escape(image))
	switch {
	case len(ingests) == 0 && fetched:
		line += "unpacking"
	case len(ingests) == 0:
		line += "resolving"
	case total > 0:
		line += fmt.Sprintf("%d %s, %s of %s (%d%%)", len(ingests), plural(len(ingests), "blob", "blobs"),
			Size(uint64(done)), Size(uint64(total)), done*100/total)
	default:
		line += fmt.Sprintf("%d %s, %s", len(ingests), plural(len(ingests), "blob", "blobs"), Size(uint64(done)))
	}
	return line + fmt.Sprintf(" [%s]", elapsed.Round(time.Second))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
