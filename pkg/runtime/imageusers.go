package runtime

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ImageUser is a running container that uses an image.
type ImageUser struct {
	ID   string
	Name string
}

// RunningUsers maps each of imgs' IDs to the running containers that use
// it, from one filtered container list: rmi's guard against removing the
// image under a live container. A container names its image by ID (image_ref)
// or by the reference it was created from, so both are matched.
func (c *Client) RunningUsers(ctx context.Context, imgs []*Image) (map[string][]ImageUser, error) {
	resp, err := list(ctx, c, "list containers", func(ctx context.Context) (*runtimeapi.ListContainersResponse, error) {
		return c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
			State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		}})
	})
	if err != nil {
		return nil, err
	}
	idx := newImageIndex(imgs)
	users := map[string][]ImageUser{}
	for _, ct := range resp.Containers {
		if ct.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue // a runtime that ignores the filter
		}
		id := idx.resolveID(ct.ImageRef)
		if _, ok := idx.byID[id]; !ok {
			id = idx.resolveID(ct.GetImage().GetImage())
		}
		if _, ok := idx.byID[id]; ok {
			users[id] = append(users[id], ImageUser{ID: ct.Id, Name: ct.GetMetadata().GetName()})
		}
	}
	return users, nil
}
