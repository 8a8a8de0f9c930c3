package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func shortIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		id = trimDigest(id)
		out[i] = id[:min(13, len(id))]
	}
	return out
}

// pick resolves one user reference among candidates: an exact ID wins, then
// an exact name, then a unique ID prefix. Several name matches with exactly
// one running/ready object pick that one, so a restarted container's name
// still means the live attempt.
func pick[T any](op, ref string, items []T, id func(T) string, names func(T) []string, live func(T) bool, describe func(T) string) (T, error) {
	var zero T
	if err := CheckRef(op, ref); err != nil {
		return zero, err
	}
	var byName, byPrefix []T
	for _, it := range items {
		if id(it) == ref {
			return it, nil
		}
		for _, n := range names(it) {
			if n == ref {
				byName = append(byName, it)
				break
			}
		}
		if strings.HasPrefix(id(it), ref) {
			byPrefix = append(byPrefix, it)
		}
	}
	cands := byName
	if len(cands) == 0 {
		cands = byPrefix
	}
	if len(cands) > 1 && len(byName) > 1 {
		var alive []T
		for _, it := range cands {
			if live(it) {
				alive = append(alive, it)
			}
		}
		if len(alive) == 1 {
			return alive[0], nil
		}
	}
	switch len(cands) {
	case 0:
		return zero, notFound(op, ref)
	case 1:
		return cands[0], nil
	}
	desc := make([]string, len(cands))
	for i, it := range cands {
		desc[i] = describe(it)
	}
	return zero, &Error{Kind: KindAmbiguous, Op: op, ID: ref, Candidates: desc}
}

// CheckRef rejects a reference that would be a prefix of every ID: empty
// or blank (an unset shell variable: rmi "$IMG"), or a bare "sha256:".
// Resolution runs it on every reference before the list call, so such a
// reference is a usage error and nothing is done. op is "container",
// "pod" or "image".
func CheckRef(op, ref string) error {
	switch {
	case strings.TrimSpace(ref) == "":
		what := "empty ID"
		if op == "image" {
			what = "empty reference"
		}
		return &Error{Kind: KindInvalid, Op: op, Err: errors.New(what)}
	case strings.TrimSpace(trimDigest(ref)) == "":
		return &Error{Kind: KindInvalid, Op: op, ID: ref, Err: errors.New("empty ID prefix")}
	}
	return nil
}

// checkRefs runs CheckRef on every reference and joins the failures.
func checkRefs(op string, refs []string) error {
	var errs []error
	for _, r := range refs {
		if err := CheckRef(op, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Resolved pairs a user's reference with what it resolved to, or the error.
type Resolved[T any] struct {
	Ref  string
	Item T
	Err  error
}

// ResolveContainers resolves IDs, prefixes or names with one
// ListContainers and one ListPodSandbox call. The items are summaries (see
// ContainerFilter.Summary): use them for IDs, names and states. Per-reference failures are in
// the results; the error is for the list calls themselves.
func (c *Client) ResolveContainers(ctx context.Context, refs []string) ([]Resolved[Container], error) {
	if err := checkRefs("container", refs); err != nil {
		return nil, err
	}
	l, err := c.ListContainers(ctx, ContainerFilter{All: true, Summary: true})
	if err != nil {
		return nil, err
	}
	out := make([]Resolved[Container], len(refs))
	for i, ref := range refs {
		it, err := pick("container", ref, l.Items,
			func(ct Container) string { return ct.Id },
			func(ct Container) []string { return []string{ct.GetMetadata().GetName()} },
			func(ct Container) bool { return ct.State == runtimeapi.ContainerState_CONTAINER_RUNNING },
			func(ct Container) string {
				return fmt.Sprintf("%s (%s in pod %s)", ct.Id[:min(13, len(ct.Id))], ct.GetMetadata().GetName(), ct.PodName)
			})
		out[i] = Resolved[Container]{Ref: ref, Item: it, Err: err}
	}
	return out, nil
}

// ResolvePods resolves IDs, prefixes, names or namespace/name with one
// ListPodSandbox call.
func (c *Client) ResolvePods(ctx context.Context, refs []string) ([]Resolved[*Pod], error) {
	if err := checkRefs("pod", refs); err != nil {
		return nil, err
	}
	pods, err := c.listPods(ctx, nil)
	if err != nil {
		return nil, err
	}
	sortPods(pods)
	out := make([]Resolved[*Pod], len(refs))
	for i, ref := range refs {
		it, err := pick("pod", ref, pods,
			func(p *Pod) string { return p.Id },
			func(p *Pod) []string {
				m := p.GetMetadata()
				return []string{m.GetName(), m.GetNamespace() + "/" + m.GetName()}
			},
			func(p *Pod) bool { return p.State == runtimeapi.PodSandboxState_SANDBOX_READY },
			func(p *Pod) string {
				return fmt.Sprintf("%s (%s/%s)", p.Id[:min(13, len(p.Id))], p.GetMetadata().GetNamespace(), p.GetMetadata().GetName())
			})
		out[i] = Resolved[*Pod]{Ref: ref, Item: it, Err: err}
	}
	return out, nil
}

// ResolveImages resolves refs, repo digests, IDs or ID prefixes with one
// ListImages call.
func (c *Client) ResolveImages(ctx context.Context, refs []string) ([]Resolved[*Image], error) {
	if err := checkRefs("image", refs); err != nil {
		return nil, err
	}
	all, err := c.listImages(ctx)
	if err != nil {
		return nil, err
	}
	idx := newImageIndex(all)
	out := make([]Resolved[*Image], len(refs))
	for i, ref := range refs {
		id, err := idx.resolve(ref)
		out[i] = Resolved[*Image]{Ref: ref, Err: err}
		if err == nil {
			out[i].Item = idx.byID[id]
		}
	}
	return out, nil
}
