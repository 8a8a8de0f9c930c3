package devnode

import (
	"context"
	"fmt"
	"os"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Snapshotter is the one the node's CRI plugin uses.
const Snapshotter = "overlayfs"

// Import loads an image archive (OCI or docker format) into the CRI
// namespace, unpacked for the CRI snapshotter, and returns once the CRI image
// service lists every image in it. It returns the image names.
func (n *Node) Import(ctx context.Context, archive string) ([]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("devnode: import: %w", err)
	}
	defer f.Close()
	c, err := containerd.New(n.Socket, containerd.WithDefaultNamespace(Namespace))
	if err != nil {
		return nil, fmt.Errorf("devnode: containerd client on %s: %w", n.Socket, err)
	}
	defer c.Close()
	// The label is what CRI puts on images it pulls itself.
	imgs, err := c.Import(ctx, f, containerd.WithImageLabels(map[string]string{"io.cri-containerd.image": "managed"}))
	if err != nil {
		return nil, fmt.Errorf("devnode: import %s: %w", archive, err)
	}
	var names []string
	for _, im := range imgs {
		// Without unpacking, CRI would unpack on first use, racing the test.
		if err := containerd.NewImage(c, im).Unpack(ctx, Snapshotter); err != nil {
			return nil, fmt.Errorf("devnode: unpack %s: %w", im.Name, err)
		}
		names = append(names, im.Name)
	}
	return names, n.waitImages(ctx, names)
}

// waitImages waits until the CRI image service knows every ref: its cache
// follows containerd's image events, which may trail the import a little.
func (n *Node) waitImages(ctx context.Context, refs []string) error {
	ic, err := n.ImageClient()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, ref := range refs {
		for {
			st, err := ic.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
			if err == nil && st.Image != nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("devnode: CRI does not list imported image %s (last error: %v)", ref, err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
