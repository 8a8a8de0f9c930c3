package cmdutil

import (
	"context"
	"fmt"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// UndoPod removes the pod run made, even when ctx was cancelled.
func UndoPod(ctx context.Context, c *runtime.Client, id string) error {
	ctx = context.WithoutCancel(ctx)
	if err := c.StopPod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	if err := c.RemovePod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	return nil
}
