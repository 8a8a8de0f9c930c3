package runtime

import (
	"cmp"
	"context"
	"slices"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// PodFilter selects pods. Regexps match anywhere; ID is a prefix.
type PodFilter struct {
	ID        string
	Name      string // regexp
	Namespace string // regexp
	State     string // ready | notready
	Labels    LabelSelector
	Latest    bool
	Last      int
}

// Pod is a sandbox as listed.
type Pod = runtimeapi.PodSandbox

// ListPods returns pods newest first with one ListPodSandbox call.
func (c *Client) ListPods(ctx context.Context, f PodFilter) ([]*Pod, error) {
	nameRe, err := compile("name", f.Name)
	if err != nil {
		return nil, err
	}
	nsRe, err := compile("namespace", f.Namespace)
	if err != nil {
		return nil, err
	}
	req := &runtimeapi.PodSandboxFilter{LabelSelector: f.Labels.Equal()}
	if f.State != "" {
		st, err := ParsePodState(f.State)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Op: "list pods", Err: err}
		}
		req.State = &runtimeapi.PodSandboxStateValue{State: st}
	}
	pods, err := c.listPods(ctx, req)
	if err != nil {
		return nil, err
	}
	out := pods[:0]
	for _, p := range pods {
		if !strings.HasPrefix(p.Id, f.ID) || !matches(nameRe, p.GetMetadata().GetName()) ||
			!matches(nsRe, p.GetMetadata().GetNamespace()) || !f.Labels.Matches(p.Labels) {
			continue
		}
		out = append(out, p)
	}
	sortPods(out)
	return limit(out, f.Latest, f.Last), nil
}

func (c *Client) listPods(ctx context.Context, filter *runtimeapi.PodSandboxFilter) ([]*Pod, error) {
	resp, err := list(ctx, c, "list pods", func(ctx context.Context) (*runtimeapi.ListPodSandboxResponse, error) {
		return c.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: filter})
	})
	if err != nil {
		return nil, err
	}
	return resp.Items, nil
}

func sortPods(pods []*Pod) {
	slices.SortStableFunc(pods, func(a, b *Pod) int {
		if c := cmp.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Id, b.Id)
	})
}

// PodStatus is the result of inspectp for one pod.
type PodStatus = runtimeapi.PodSandboxStatusResponse

// PodStatus returns the verbose status of one resolved pod.
func (c *Client) PodStatus(ctx context.Context, id string, verbose bool) (*PodStatus, error) {
	return unary(ctx, c, "inspect pod", id, func(ctx context.Context) (*runtimeapi.PodSandboxStatusResponse, error) {
		return c.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id, Verbose: verbose})
	})
}
