package printer

import (
	"strings"
	"time"

	units "github.com/docker/go-units"
)

// Age renders a CRI nanosecond timestamp as "5 minutes ago".
func Age(now time.Time, unixNano int64) string {
	if unixNano <= 0 {
		return "-"
	}
	return units.HumanDuration(now.Sub(time.Unix(0, unixNano))) + " ago"
}

// Size renders bytes in decimal units, as crictl does.
func Size(n uint64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

// TruncID shortens an ID to 13 characters after dropping "sha256:".
func TruncID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(len(id), 13)]
}
