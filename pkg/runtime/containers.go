package runtime

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ContainerFilter selects containers. ID and PodID are prefixes; Name,
// PodName and Namespace are regexps; Image matches a ref, tag or image ID.
type ContainerFilter struct {
	ID    string
	Name  string
	PodID string
	// Pod is a user's --pod: a pod ID, unique ID prefix, name or
	// namespace/name (every sandbox of that pod). Unknown or ambiguous, it
	// fails the list, unless PodLenient, which selects nothing instead
	// (crictl's runtime-side filter).
	Pod        string
	PodLenient bool
	PodName    string
	Namespace  string
	Image      string
	State      string
	Labels     LabelSelector
	All        bool
	Latest     bool
	Last       int
	// ResolveImages fills Container.ImageName from one ListImages call.
	ResolveImages bool
	// Summary decodes only what tables show (no labels beyond the pod's
	// name and namespace, no annotations): much faster and smaller on nodes
	// with thousands of containers.
	Summary bool
	// Wire is Summary plus each container's CRI encoding (Container.Wire),
	// from which the printer writes the documents without a full decode.
	Wire bool
}

// Container is a CRI container joined with its pod's name and namespace
// (from the sandbox list) and, on request, its image's first repo tag.
type Container struct {
	*runtimeapi.Container
	PodName      string
	PodNamespace string
	ImageName    string
	PID          uint32 // containerd task PID, filled by JoinTaskPIDs (ps -o wide)
	// Wire is the container's CRI (protobuf) encoding when
	// ContainerFilter.Wire asked for it; the embedded Container then holds
	// only the summary fields.
	Wire string
}

// ContainerList is the result of ListContainers.
type ContainerList struct {
	Items []Container
}

// Raw returns the CRI messages, for crictl-compatible JSON.
func (l *ContainerList) Raw() []*runtimeapi.Container {
	out := make([]*runtimeapi.Container, len(l.Items))
	for i := range l.Items {
		out[i] = l.Items[i].Container
	}
	return out
}

// ListContainers lists containers newest first. It makes exactly one
// ListContainers and one ListPodSandbox call, plus one ListImages when the
// filter needs images, whatever the number of containers.
func (c *Client) ListContainers(ctx context.Context, f ContainerFilter) (*ContainerList, error) {
	nameRe, err := compile("name", f.Name)
	if err != nil {
		return nil, err
	}
	podRe, err := compile("pod name", f.PodName)
	if err != nil {
		return nil, err
	}
	nsRe, err := compile("namespace", f.Namespace)
	if err != nil {
		return nil, err
	}
	req := &runtimeapi.ContainerFilter{LabelSelector: f.Labels.Equal()}
	switch {
	case f.State != "":
		st, err := ParseContainerState(f.State)
		if err != nil {
			return nil, &Error{Kind: KindInvalid, Op: "list containers", Err: err}
		}
		req.State = &runtimeapi.ContainerStateValue{State: st}
	case !f.All && !f.Latest && f.Last <= 0:
		req.State = &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}
	}
	// The three lists are independent: ask for them at once, so ps costs
	// one round trip of latency, not three.
	var (
		containers []*runtimeapi.Container
		wires      []string
		pods       []*Pod
		images     []*Image
	)
	// The summary decoder keeps no labels: a client-side selector needs them.
	clientLabels := f.Labels.clientSide()
	summary := f.Summary && !clientLabels
	listContainers := func() (err error) { containers, err = c.listContainers(ctx, req, summary); return }
	if f.Wire && !clientLabels {
		listContainers = func() (err error) { containers, wires, err = c.listContainerWires(ctx, req); return }
	}
	calls := []func() error{listContainers, func() (err error) { pods, err = c.listPods(ctx, nil); return }}
	if f.Image != "" || f.ResolveImages {
		calls = append(calls, func() (err error) { images, err = c.listImages(ctx); return })
	}
	if err := together(calls...); err != nil {
		return nil, err
	}
	podByID := make(map[string]*Pod, len(pods))
	for _, p := range pods {
		podByID[p.Id] = p
	}
	var inPods map[string]bool
	if f.Pod != "" {
		if inPods, err = matchPods(f.Pod, pods); err != nil && !f.PodLenient {
			return nil, err
		}
	}
	var imgs *imageIndex
	if f.Image != "" || f.ResolveImages {
		imgs = newImageIndex(images)
	}
	var wantImage string
	if f.Image != "" {
		wantImage = imgs.resolveID(f.Image)
	}

	out := make([]Container, 0, len(containers))
	for i, ct := range containers {
		if !strings.HasPrefix(ct.Id, f.ID) || !strings.HasPrefix(ct.PodSandboxId, f.PodID) || f.Pod != "" && !inPods[ct.PodSandboxId] {
			continue
		}
		v := Container{Container: ct}
		if wires != nil {
			v.Wire = wires[i]
		}
		if p := podByID[ct.PodSandboxId]; p != nil {
			v.PodName, v.PodNamespace = p.GetMetadata().GetName(), p.GetMetadata().GetNamespace()
		} else {
			v.PodName, v.PodNamespace = ct.Labels[labelPodName], ct.Labels[labelPodNamespace]
		}
		if !matches(nameRe, ct.GetMetadata().GetName()) || !matches(podRe, v.PodName) || !matches(nsRe, v.PodNamespace) ||
			clientLabels && !f.Labels.Matches(ct.Labels) {
			continue
		}
		if imgs != nil {
			id := imgs.resolveID(ct.ImageRef)
			if id == "" {
				id = imgs.resolveID(ct.GetImage().GetImage())
			}
			if f.Image != "" && id != wantImage && ct.GetImage().GetImage() != f.Image {
				continue
			}
			if f.ResolveImages {
				v.ImageName = imgs.name(id)
			}
		}
		out = append(out, v)
	}
	// The order is total but for containers sent twice, which are alike
	// (pdqsort is deterministic): no need for a stable sort, which moved
	// these 100-byte values about 6 times more (10k: 6 ms of a cold run).
	slices.SortFunc(out, func(a, b Container) int {
		if c := cmp.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Id, b.Id)
	})
	return &ContainerList{Items: limit(out, f.Latest, f.Last)}, nil
}

func (c *Client) listContainers(ctx context.Context, req *runtimeapi.ContainerFilter, summary bool) ([]*runtimeapi.Container, error) {
	return list(ctx, c, "list containers", func(ctx context.Context) ([]*runtimeapi.Container, error) {
		in := &runtimeapi.ListContainersRequest{Filter: req}
		// Under --debug the trace shows the response, which a summary is
		// not: decode it whole then (a superset of the summary).
		if summary && c.opts.Trace == nil {
			var out containerSummaries
			err := c.conn.Invoke(ctx, runtimeapi.RuntimeService_ListContainers_FullMethodName, in, &out, grpc.ForceCodecV2(summaryCodec{}))
			return out.items, err
		}
		resp, err := c.rt.ListContainers(ctx, in)
		return resp.GetContainers(), err
	})
}

// listContainerWires lists summaries and each container's encoding. Under
// --debug the response is decoded whole, so that the trace shows it, and the
// encodings are made again from it.
func (c *Client) listContainerWires(ctx context.Context, req *runtimeapi.ContainerFilter) ([]*runtimeapi.Container, []string, error) {
	var wires []string
	cts, err := list(ctx, c, "list containers", func(ctx context.Context) ([]*runtimeapi.Container, error) {
		in := &runtimeapi.ListContainersRequest{Filter: req}
		if c.opts.Trace != nil {
			resp, err := c.rt.ListContainers(ctx, in)
			if err != nil {
				return nil, err
			}
			wires = make([]string, len(resp.GetContainers()))
			for i, ct := range resp.GetContainers() {
				b, err := proto.Marshal(ct)
				if err != nil {
					return nil, err
				}
				wires[i] = string(b)
			}
			return resp.GetContainers(), nil
		}
		out := containerSummaries{keepWire: true}
		err := c.conn.Invoke(ctx, runtimeapi.RuntimeService_ListContainers_FullMethodName, in, &out, grpc.ForceCodecV2(summaryCodec{}))
		wires = out.wires
		return out.items, err
	})
	return cts, wires, err
}

// ContainerStatus is the result of inspect for one container.
type ContainerStatus = runtimeapi.ContainerStatusResponse

// ContainerStatus returns the verbose status of one resolved container.
func (c *Client) ContainerStatus(ctx context.Context, id string, verbose bool) (*ContainerStatus, error) {
	return unary(ctx, c, "inspect container", id, func(ctx context.Context) (*runtimeapi.ContainerStatusResponse, error) {
		return c.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: verbose})
	})
}

// together runs independent calls at once and returns the error of the
// first failed call in the order given, not of the first to fail: the same
// broken node gives the same message on every run.
func together(calls ...func() error) error {
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
