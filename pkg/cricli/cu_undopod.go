package cricli

import (
	"context"
	"fmt"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// undoPod removes the pod run made, even when ctx was cancelled.
func undoPod(ctx context.Context, c *runtime.Client, id string) error {
	ctx = context.WithoutCancel(ctx)
	if err := c.StopPod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	if err := c.RemovePod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	return nil
}
