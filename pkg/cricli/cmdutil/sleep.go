package cmdutil

import (
	"context"
	"time"
)

// Sleep waits d unless ctx ends first (false).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
