package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// shortIDs are an ambiguous image reference's candidates: at most
// maxCandidates short IDs, and how many more.
func shortIDs(ids []string) []string {
	n := min(len(ids), maxCandidates)
	out := make([]string, 0, n+1)
	for _, id := range ids[:n] {
		id = trimDigest(id)
		out = append(out, id[:min(13, len(id))])
	}
	if rest := len(ids) - n; rest > 0 {
		out = append(out, fmt.Sprintf("and %d more", rest))
	}
	return out
}

// maxCandidates bounds the candidates an "ambiguous" error lists: a name
// shared by hundreds of containers must still give one readable line.
const maxCandidates = 5

// resolver says how one kind of object is named. Objects that share a name
// and a group (a container's pod, a pod's namespace) are attempts of one
// object, as kubelet sees them: the name means the newest. Names shared
// across groups name different objects and are ambiguous.
type resolver[T any] struct {
	op       string
	id       func(T) string
	names    func(T) []string
	group    func(T) string
	newer    func(a, b T) bool // a is a later attempt than b
	describe func(T) string
}

// pick resolves one user reference among items: an exact ID wins, then an
// exact name (the newest attempt when all matches are in one group), then a
// unique ID prefix.
func (r resolver[T]) pick(ref string, items []T) (T, error) {
	var zero T
	if err := CheckRef(r.op, ref); err != nil {
		return zero, err
	}
	var byName, byPrefix []T
	for _, it := range items {
		if r.id(it) == ref {
			return it, nil
		}
		if slices.Contains(r.names(it), ref) {
			byName = append(byName, it)
		}
		if strings.HasPrefix(r.id(it), ref) {
			byPrefix = append(byPrefix, it)
		}
	}
	cands := byName
	if len(cands) == 0 {
		cands = byPrefix
	}
	switch {
	case len(cands) == 0:
		return zero, notFound(r.op, ref)
	case len(cands) == 1:
		return cands[0], nil
	}
	slices.SortStableFunc(cands, func(a, b T) int {
		switch {
		case r.newer(a, b):
			return -1
		case r.newer(b, a):
			return 1
		}
		return 0
	})
	if len(byName) > 0 && r.oneGroup(cands) {
		return cands[0], nil
	}
	// Candidates of one group stay together, the group of the newest first.
	rank := map[string]int{}
	for _, it := range cands {
		if _, ok := rank[r.group(it)]; !ok {
			rank[r.group(it)] = len(rank)
		}
	}
	slices.SortStableFunc(cands, func(a, b T) int { return rank[r.group(a)] - rank[r.group(b)] })
	return zero, &Error{Kind: KindAmbiguous, Op: r.op, ID: ref, Candidates: r.candidates(cands)}
}

func (r resolver[T]) oneGroup(items []T) bool {
	for _, it := range items[1:] {
		if r.group(it) != r.group(items[0]) {
			return false
		}
	}
	return true
}

// candidates describes at most maxCandidates items, newest first, and
// counts the rest.
func (r resolver[T]) candidates(items []T) []string {
	n := min(len(items), maxCandidates)
	out := make([]string, 0, n+1)
	for _, it := range items[:n] {
		out = append(out, r.describe(it))
	}
	if rest := len(items) - n; rest > 0 {
		out = append(out, fmt.Sprintf("and %d more", rest))
	}
	return out
}

// containerResolver: a container name means the newest attempt in its pod
// (highest metadata.attempt, then newest created_at).
var containerResolver = resolver[Container]{
	op:    "container",
	id:    func(ct Container) string { return ct.Id },
	names: func(ct Container) []string { return []string{ct.GetMetadata().GetName()} },
	group: func(ct Container) string { return ct.PodSandboxId },
	newer: func(a, b Container) bool {
		if aa, ba := a.GetMetadata().GetAttempt(), b.GetMetadata().GetAttempt(); aa != ba {
			return aa > ba
		}
		if a.CreatedAt != b.CreatedAt {
			return a.CreatedAt > b.CreatedAt
		}
		// Equal stamps (a runtime that reports none): the running one is
		// current; then the ID, so that the answer never depends on list order.
		if ar, br := a.State == runtimeapi.ContainerState_CONTAINER_RUNNING, b.State == runtimeapi.ContainerState_CONTAINER_RUNNING; ar != br {
			return ar
		}
		return a.Id > b.Id
	},
	describe: func(ct Container) string {
		return fmt.Sprintf("%s (%s attempt %d in pod %s)", shortID(ct.Id), ct.GetMetadata().GetName(),
			ct.GetMetadata().GetAttempt(), nsName(ct.PodNamespace, ct.PodName))
	},
}

// podResolver: a pod name or namespace/name means the newest sandbox of
// that pod in its namespace.
var podResolver = resolver[*Pod]{
	op: "pod",
	id: func(p *Pod) string { return p.Id },
	names: func(p *Pod) []string {
		m := p.GetMetadata()
		return []string{m.GetName(), m.GetNamespace() + "/" + m.GetName()}
	},
	group: func(p *Pod) string { return p.GetMetadata().GetNamespace() },
	newer: func(a, b *Pod) bool {
		if aa, ba := a.GetMetadata().GetAttempt(), b.GetMetadata().GetAttempt(); aa != ba {
			return aa > ba
		}
		if a.CreatedAt != b.CreatedAt {
			return a.CreatedAt > b.CreatedAt
		}
		if ar, br := a.State == runtimeapi.PodSandboxState_SANDBOX_READY, b.State == runtimeapi.PodSandboxState_SANDBOX_READY; ar != br {
			return ar
		}
		return a.Id > b.Id
	},
	describe: func(p *Pod) string {
		return fmt.Sprintf("%s (%s)", nsName(p.GetMetadata().GetNamespace(), p.GetMetadata().GetName()), shortID(p.Id))
	},
}

func shortID(id string) string { return id[:min(13, len(id))] }

// nsName is how candidates name a pod: namespace/name, or "?" for a part
// the runtime does not know.
func nsName(ns, name string) string {
	if ns == "" {
		ns = "?"
	}
	if name == "" {
		name = "?"
	}
	return ns + "/" + name
}

// byName maps every name that resolves by name alone to the object it
// means, in one pass (completion offers only such names).
func (r resolver[T]) byName(items []T) map[string]T {
	out := map[string]T{}
	shared := map[string]bool{}
	for _, it := range items {
		for _, n := range r.names(it) {
			prev, seen := out[n]
			switch {
			case shared[n]:
			case !seen:
				out[n] = it
			case r.group(prev) != r.group(it):
				shared[n] = true
				delete(out, n)
			case r.newer(it, prev):
				out[n] = it
			}
		}
	}
	return out
}

// matchPods is what a --pod filter selects: the pod ref resolves to, and
// when ref is its name, every sandbox of that pod (each attempt).
func matchPods(ref string, pods []*Pod) (map[string]bool, error) {
	p, err := podResolver.pick(ref, pods)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{p.Id: true}
	if p.Id == ref || !slices.Contains(podResolver.names(p), ref) {
		return out, nil
	}
	for _, q := range pods {
		if slices.Contains(podResolver.names(q), ref) && podResolver.group(q) == podResolver.group(p) {
			out[q.Id] = true
		}
	}
	return out, nil
}

// PickContainer resolves ref among already listed containers, by the rules
// of ResolveContainers.
func PickContainer(ref string, items []Container) (Container, error) {
	return containerResolver.pick(ref, items)
}

// ContainerNames maps each container name that resolves to the container it
// means (the newest attempt in its pod); names shared by pods are left out.
func ContainerNames(items []Container) map[string]Container { return containerResolver.byName(items) }

// PodNames maps each pod name and namespace/name that resolves to the
// sandbox it means (the newest of that pod).
func PodNames(pods []*Pod) map[string]*Pod { return podResolver.byName(pods) }

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

// ResolveContainers resolves IDs, prefixes or names (the newest attempt of
// that name in its pod) with one
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
		it, err := containerResolver.pick(ref, l.Items)
		out[i] = Resolved[Container]{Ref: ref, Item: it, Err: err}
	}
	return out, nil
}

// ResolvePods resolves IDs, prefixes, names or namespace/name (the newest
// sandbox of that pod) with one ListPodSandbox call.
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
		it, err := podResolver.pick(ref, pods)
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
