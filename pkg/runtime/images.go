package runtime

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Image is a CRI image as listed.
type Image = runtimeapi.Image

// ImageFilter selects images. Ref is crictl's positional REPO[:TAG]; the
// rest are crictl's --filter keys.
type ImageFilter struct {
	Ref       string
	Dangling  *bool
	Reference string // glob against repo tags
	Before    string // image ref or ID: images listed before it
	Since     string // image ref or ID: images listed after it
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
		switch k {
		case "dangling":
			b := v == "true"
			if v != "true" && v != "false" {
				return f, fmt.Errorf("invalid filter %q: dangling takes true or false", kv)
			}
			f.Dangling = &b
		case "reference":
			f.Reference = v
		case "before":
			f.Before = v
		case "since":
			f.Since = v
		default:
			return f, fmt.Errorf("invalid filter %q: keys are dangling, reference, before, since", kv)
		}
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
	idx := newImageIndex(all)
	before, since := -1, -1
	for _, b := range []struct {
		ref string
		pos *int
	}{{f.Before, &before}, {f.Since, &since}} {
		if b.ref == "" {
			continue
		}
		id, err := idx.resolve(b.ref)
		if err != nil {
			return nil, err
		}
		*b.pos = slices.IndexFunc(all, func(im *Image) bool { return im.Id == id })
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
	for i, im := range all {
		if before >= 0 && i >= before || since >= 0 && i <= since {
			continue
		}
		if f.Dangling != nil && (len(im.RepoTags) == 0) != *f.Dangling {
			continue
		}
		if f.Reference != "" && !slices.ContainsFunc(im.RepoTags, func(t string) bool { return globRef(f.Reference, t) }) {
			continue
		}
		if f.Ref != "" && !slices.ContainsFunc(im.RepoTags, func(t string) bool { return repoTagMatches(t, repo, tag) }) &&
			!strings.HasPrefix(trimDigest(im.Id), trimDigest(f.Ref)) {
			continue
		}
		out = append(out, im)
	}
	slices.SortStableFunc(out, func(a, b *Image) int { return strings.Compare(imageSortKey(a), imageSortKey(b)) })
	return out, nil
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

// globRef matches a --filter reference= pattern against the full and the
// familiar form of a tag. Unlike path.Match, "*" also crosses "/", so
// "*pause*" finds registry.k8s.io/pause:3.10.
func globRef(pattern, repoTag string) bool {
	if glob(pattern, repoTag) {
		return true
	}
	if named, err := reference.ParseNormalizedNamed(repoTag); err == nil {
		return glob(pattern, reference.FamiliarString(named))
	}
	return false
}

// glob matches "*" (any run) and "?" (one character); all else is literal.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			pattern = pattern[1:]
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if glob(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			pattern, s = pattern[1:], s[n:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
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
