package runtime

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Image is a CRI image as listed.
type Image = runtimeapi.Image

// ImageFilter selects images. Ref is crictl's positional REPO[:TAG]; Conds
// are crictl's --filter conditions, applied one after another in the order
// given, as crictl does (before= and since= depend on what is left).
type ImageFilter struct {
	Ref   string
	Conds []ImageCond
}

// ImageCond is one --filter key=value.
type ImageCond struct {
	Key, Value string
	re         *regexp.Regexp // reference=
}

// ParseImageFilters parses repeated --filter key=value flags.
func ParseImageFilters(kvs []string) (ImageFilter, error) {
	var f ImageFilter
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return f, fmt.Errorf("invalid filter %q: want key=value", kv)
		}
		if v == "" {
			// An unset shell variable must not turn a filter into "all".
			return f, fmt.Errorf("invalid filter %q: %s needs a value", kv, k)
		}
		c := ImageCond{Key: k, Value: v}
		switch k {
		case "dangling":
			if v != "true" && v != "false" {
				return f, fmt.Errorf("invalid filter %q: dangling takes true or false", kv)
			}
		case "reference":
			re, err := regexp.Compile(v)
			if err != nil {
				return f, fmt.Errorf("invalid filter %q: reference takes a regular expression: %v", kv, err)
			}
			c.re = re
		case "before", "since":
		default:
			return f, fmt.Errorf("invalid filter %q: keys are dangling, reference, before, since", kv)
		}
		f.Conds = append(f.Conds, c)
	}
	return f, nil
}

// NormalizeRef expands a familiar reference ("busybox") to the full form
// containerd stores ("docker.io/library/busybox:latest"). It returns the
// input unchanged when it is not a reference.
func NormalizeRef(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.TagNameOnly(named).String()
}

func (c *Client) listImages(ctx context.Context) ([]*Image, error) {
	resp, err := list(ctx, c, "list images", func(ctx context.Context) (*runtimeapi.ListImagesResponse, error) {
		return c.img.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	})
	if err != nil {
		return nil, err
	}
	return resp.Images, nil
}

// ListImages returns images sorted by their first repo tag, with one
// ListImages call. The REPO[:TAG] filter is applied here, since containerd
// ignores the server-side one.
func (c *Client) ListImages(ctx context.Context, f ImageFilter) ([]*Image, error) {
	all, err := c.listImages(ctx)
	if err != nil {
		return nil, err
	}
	var repo, tag string
	if f.Ref != "" {
		full := NormalizeRef(f.Ref)
		repo, tag = full, ""
		if named, err := reference.ParseNormalizedNamed(f.Ref); err == nil {
			repo = named.Name()
			if t, ok := named.(reference.Tagged); ok {
				tag = t.Tag()
			}
		}
	}
	var out []*Image
	for _, im := range all {
		if f.Ref != "" && !slices.ContainsFunc(im.RepoTags, func(t string) bool { return repoTagMatches(t, repo, tag) }) &&
			!strings.HasPrefix(trimDigest(im.Id), trimDigest(f.Ref)) {
			continue
		}
		out = append(out, im)
	}
	slices.SortStableFunc(out, func(a, b *Image) int { return strings.Compare(imageSortKey(a), imageSortKey(b)) })
	for _, c := range f.Conds {
		out = c.apply(out)
	}
	return out, nil
}

// apply keeps the images of a sorted list that c selects, with crictl's
// meaning: since=X keeps the images listed before X, before=X those listed
// after it; reference= is a regular expression on the repository.
func (c ImageCond) apply(in []*Image) []*Image {
	out := make([]*Image, 0, len(in))
	switch c.Key {
	case "dangling":
		for _, im := range in {
			if (len(im.RepoTags) == 0) == (c.Value == "true") {
				out = append(out, im)
			}
		}
	case "reference":
		for _, im := range in {
			if c.matchesRepo(im) {
				out = append(out, im)
			}
		}
	case "since":
		out = takeUntil(in, c.Value)
	case "before":
		rev := slices.Clone(in)
		slices.Reverse(rev)
		out = takeUntil(rev, c.Value)
		slices.Reverse(out)
	}
	return out
}

// matchesRepo tries the repository of the first repo digest, as crictl,
// and then each tag's repository: images loaded from an archive have no
// digest, and crictl would never match them.
func (c ImageCond) matchesRepo(im *Image) bool {
	repo := digestRepo(im)
	if c.re.MatchString(repo) || repo == c.Value {
		return true
	}
	return slices.ContainsFunc(im.RepoTags, func(t string) bool {
		if i := strings.LastIndex(t, ":"); i > 0 && !strings.Contains(t[i:], "/") {
			t = t[:i]
		}
		return c.re.MatchString(t)
	})
}

// digestRepo is crictl's image name: the repository of the first repo
// digest, "<none>" without one.
func digestRepo(im *Image) string {
	if len(im.RepoDigests) == 0 {
		return "<none>"
	}
	repo, _, ok := strings.Cut(im.RepoDigests[0], "@")
	if !ok {
		return "errorName"
	}
	return repo
}

// takeUntil returns the images before the first one that ref names, in
// crictl's three forms: NAME:TAG (the first tag), ID prefix, NAME@DIGEST
// (the first repo digest; images without one are left out).
func takeUntil(in []*Image, ref string) []*Image {
	out := make([]*Image, 0, len(in))
	colon, at := strings.Contains(ref, ":"), strings.Contains(ref, "@")
	for _, im := range in {
		switch {
		case colon && !at:
			if firstRepoTag(im) == ref || strings.HasPrefix(im.Id, ref) {
				return out
			}
		case !colon && !at:
			// crictl compares with the full "sha256:…" ID only; a bare
			// hex prefix is what users type.
			if strings.HasPrefix(im.Id, ref) || strings.HasPrefix(trimDigest(im.Id), ref) {
				return out
			}
		case colon && at:
			if len(im.RepoDigests) == 0 {
				continue
			}
			if strings.HasPrefix(im.RepoDigests[0], ref) {
				return out
			}
		default:
			continue
		}
		out = append(out, im)
	}
	return out
}

// firstRepoTag is crictl's NAME:TAG of an image: its first tag, or the
// digest's repository with "<none>".
func firstRepoTag(im *Image) string {
	if len(im.RepoTags) == 0 {
		return digestRepo(im) + ":<none>"
	}
	t := im.RepoTags[0]
	i := strings.LastIndex(t, ":")
	if i < 0 {
		return "errorRepoTag:errorRepoTag"
	}
	if t[:i] == "<none>" {
		return digestRepo(im) + t[i:]
	}
	return t
}

func imageSortKey(im *Image) string {
	if len(im.RepoTags) > 0 {
		return im.RepoTags[0]
	}
	if len(im.RepoDigests) > 0 {
		return im.RepoDigests[0]
	}
	return "~" + im.Id // untagged images last
}

func repoTagMatches(repoTag, repo, tag string) bool {
	i := strings.LastIndex(repoTag, ":")
	if i < 0 || strings.Contains(repoTag[i:], "/") {
		return repoTag == repo && tag == ""
	}
	return repoTag[:i] == repo && (tag == "" || repoTag[i+1:] == tag)
}

func trimDigest(id string) string { return strings.TrimPrefix(id, "sha256:") }

// ImageStatus is the result of inspecti for one image.
type ImageStatus = runtimeapi.ImageStatusResponse

// ImageStatus returns the verbose status of one resolved image ID.
func (c *Client) ImageStatus(ctx context.Context, id string, verbose bool) (*ImageStatus, error) {
	resp, err := unary(ctx, c, "inspect image", id, func(ctx context.Context) (*runtimeapi.ImageStatusResponse, error) {
		return c.img.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: id}, Verbose: verbose})
	})
	if err != nil {
		return nil, err
	}
	if resp.Image == nil {
		return nil, notFound("inspect image", id)
	}
	return resp, nil
}

// imageIndex answers "which image is this ref/ID/prefix" without RPCs.
type imageIndex struct {
	images []*Image
	byRef  map[string]string // repo tag or repo digest → image ID
	byID   map[string]*Image
}

func newImageIndex(images []*Image) *imageIndex {
	idx := &imageIndex{images: images, byRef: map[string]string{}, byID: make(map[string]*Image, len(images))}
	for _, im := range images {
		idx.byID[im.Id] = im
		for _, r := range im.RepoTags {
			idx.byRef[r] = im.Id
		}
		for _, r := range im.RepoDigests {
			idx.byRef[r] = im.Id
		}
	}
	return idx
}

// resolve maps a ref, repo digest, image ID or unique ID prefix to an image ID.
func (idx *imageIndex) resolve(ref string) (string, error) {
	if err := CheckRef("image", ref); err != nil {
		return "", err
	}
	if _, ok := idx.byID[ref]; ok {
		return ref, nil
	}
	if id, ok := idx.byRef[ref]; ok {
		return id, nil
	}
	if id, ok := idx.byRef[NormalizeRef(ref)]; ok {
		return id, nil
	}
	want := trimDigest(ref)
	var cands []string
	for _, im := range idx.images {
		if strings.HasPrefix(trimDigest(im.Id), want) {
			cands = append(cands, im.Id)
		}
	}
	switch len(cands) {
	case 0:
		return "", notFound("image", ref)
	case 1:
		return cands[0], nil
	}
	return "", &Error{Kind: KindAmbiguous, Op: "image", ID: ref, Candidates: shortIDs(cands)}
}

func (idx *imageIndex) resolveID(ref string) string {
	if ref == "" {
		return ""
	}
	id, _ := idx.resolve(ref)
	return id
}

// name is the image's first repo tag, or its ID when it has none.
func (idx *imageIndex) name(id string) string {
	im := idx.byID[id]
	if im == nil {
		return ""
	}
	if len(im.RepoTags) > 0 {
		return im.RepoTags[0]
	}
	return im.Id
}
