package cmdutil

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// ContainerdFor is containerd's API beside c's CRI (Session.Containerd).
func ContainerdFor(cmd *cli.Command, c *runtime.Client) ctrd.Containerd {
	return SessionOf(cmd).Containerd(c)
}

// ContainerdFlag is --containerd: add containerd's view of each object.
func ContainerdFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "containerd", Usage: "add containerd's view: namespace, container, task PID and status, shim, snapshotter and key, sandboxer"}
}

// addContainerdViews cross-references inspect results with containerd in
// one set of list calls.
func addContainerdViews(ctx context.Context, cmd *cli.Command, c *runtime.Client, items []*views.Inspected) error {
	if !cmd.Bool("containerd") || len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	ctrdViews, err := ctrd.Views(ctx, ContainerdFor(cmd, c), ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		views.WithContainerd(it, ctrdViews[it.ID])
	}
	return nil
}
