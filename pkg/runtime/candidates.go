package runtime

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ListContainersUnjoined lists containers, all of them or those in state,
// with exactly one ListContainers call: shell completion runs on every TAB
// and cannot afford ListContainers' sandbox join. PodName and PodNamespace
// come from kubelet's labels, so they are empty for pods kubelet did not
// make. The order is the runtime's.
func (c *Client) ListContainersUnjoined(ctx context.Context, state string) ([]Container, error) {
	req := &runtimeapi.ContainerFilter{}
	if state != "" {
		st, err := ParseContainerState(state)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Op: "list containers", Err: err}
		}
		req.State = &runtimeapi.ContainerStateValue{State: st}
	}
	resp, err := list(ctx, c, "list containers", func(ctx context.Context) (*runtimeapi.ListContainersResponse, error) {
		return c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: req})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Container, len(resp.Containers))
	for i, ct := range resp.Containers {
		out[i] = Container{Container: ct, PodName: ct.Labels[labelPodName], PodNamespace: ct.Labels[labelPodNamespace]}
	}
	return out, nil
}
