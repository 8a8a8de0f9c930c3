package runtime

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// What the packages built on the client (ctrd, diagnose, stream) need from
// it: the retry and error conventions and the unfiltered lists, so that
// their errors and RPC budgets read like the client's own.

// Call runs one unary RPC under budget, retrying and wrapping its error as
// the client's own calls do.
func Call[T any](ctx context.Context, c *Client, budget time.Duration, op, id string, f func(context.Context) (T, error)) (T, error) {
	return call(ctx, c, budget, op, id, f)
}

// Wrap turns an RPC error into an *Error naming op and id.
func (c *Client) Wrap(ctx context.Context, op, id string, err error) error {
	return c.wrap(ctx, op, id, err)
}

// ListTimeout is the budget of one list RPC.
func (c *Client) ListTimeout() time.Duration { return c.opts.ListTimeout }

// AllPods lists every pod, unfiltered and unsorted.
func (c *Client) AllPods(ctx context.Context) ([]*Pod, error) { return c.listPods(ctx, nil) }

// AllContainers lists every container as a summary (what the tables show),
// unfiltered.
func (c *Client) AllContainers(ctx context.Context) ([]*runtimeapi.Container, error) {
	return c.listContainers(ctx, nil, true)
}

// AllImages lists every image, unfiltered.
func (c *Client) AllImages(ctx context.Context) ([]*Image, error) { return c.listImages(ctx) }

// SortPods orders pods as pods lists them: newest first.
func SortPods(pods []*Pod) { sortPods(pods) }

// ImageIndex looks images up by reference as the image commands do.
type ImageIndex struct{ idx *imageIndex }

// NewImageIndex indexes images.
func NewImageIndex(images []*Image) ImageIndex { return ImageIndex{newImageIndex(images)} }

// Listed reports whether ref is exactly one of the images' names.
func (i ImageIndex) Listed(ref string) bool {
	_, ok := i.idx.byRef[ref]
	return ok
}

// ResolveID is the ID of the image ref names (a name, an ID or an ID
// prefix), "" when none does.
func (i ImageIndex) ResolveID(ref string) string { return i.idx.resolveID(ref) }
