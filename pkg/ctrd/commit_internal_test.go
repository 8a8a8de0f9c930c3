package ctrd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/errdefs"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// memImages is an images.Store in memory. before, when set, runs before
// each call, so a test can play a concurrent loader in the gaps.
type memImages struct {
	mu     sync.Mutex
	m      map[string]images.Image
	before func(op, name string)
	fail   map[string]error // Create of this name fails so
}

func (s *memImages) hook(op, name string) {
	if s.before != nil {
		s.before(op, name)
	}
}

func (s *memImages) Get(_ context.Context, name string) (images.Image, error) {
	s.hook("get", name)
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.m[name]
	if !ok {
		return images.Image{}, fmt.Errorf("image %q: %w", name, errdefs.ErrNotFound)
	}
	return im, nil
}

func (s *memImages) List(context.Context, ...string) ([]images.Image, error) { return nil, nil }

func (s *memImages) Create(_ context.Context, im images.Image) (images.Image, error) {
	s.hook("create", im.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail[im.Name]; err != nil {
		return images.Image{}, err
	}
	if _, ok := s.m[im.Name]; ok {
		return images.Image{}, fmt.Errorf("image %q: %w", im.Name, errdefs.ErrAlreadyExists)
	}
	s.m[im.Name] = im
	return im, nil
}

func (s *memImages) Update(_ context.Context, im images.Image, _ ...string) (images.Image, error) {
	s.hook("update", im.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[im.Name]; !ok {
		return images.Image{}, errdefs.ErrNotFound
	}
	s.m[im.Name] = im
	return im, nil
}

func (s *memImages) Delete(ctx context.Context, name string, opts ...images.DeleteOpt) error {
	s.hook("delete", name)
	var o images.DeleteOptions
	for _, f := range opts {
		_ = f(ctx, &o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.m[name]
	if !ok {
		return errdefs.ErrNotFound
	}
	if o.Target != nil && o.Target.Digest != im.Target.Digest {
		return errdefs.ErrFailedPrecondition
	}
	delete(s.m, name)
	return nil
}

func img(name, target string) images.Image {
	return images.Image{Name: name, Target: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(target)}}
}

// F2: another loader of the same archive creates the record between this
// loader's look and its create. Same name, same target: that is success,
// not "already exists".
func TestCommitImagesSameTargetCreatedConcurrentlyIsSuccess(t *testing.T) {
	t.Parallel()
	s := &memImages{m: map[string]images.Image{}}
	other := img("localhost/rel/race:0", "m0")
	s.before = func(op, name string) {
		if op == "create" && name == other.Name {
			s.mu.Lock()
			s.m[name] = other // the concurrent loader got there first
			s.mu.Unlock()
		}
	}
	want := []images.Image{img("localhost/rel/race:0", "m0"), img("localhost/rel/race:1", "m1")}
	if err := commitImages(t.Context(), s, want); err != nil {
		t.Fatalf("commit beside a concurrent loader: %v", err)
	}
	for _, w := range want {
		if got, ok := s.m[w.Name]; !ok || got.Target.Digest != w.Target.Digest {
			t.Errorf("%s: %v", w.Name, got.Target.Digest)
		}
	}
}

// F2: a failing load rolls back only the records it created and that
// still point where it set them; a record another loader has since set is
// left alone, and so are records this load only verified.
func TestCommitImagesRollbackSparesOthersRecords(t *testing.T) {
	t.Parallel()
	s := &memImages{m: map[string]images.Image{}, fail: map[string]error{"c:3": errors.New("boom")}}
	s.m["b:2"] = img("b:2", "m2") // already there with the same target: verified, not created
	retargeted := img("a:1", "someone else's")
	s.before = func(op, name string) {
		if op == "create" && name == "c:3" {
			s.mu.Lock()
			s.m["a:1"] = retargeted // a concurrent load moved the tag
			s.mu.Unlock()
		}
	}
	err := commitImages(t.Context(), s, []images.Image{img("a:1", "m1"), img("b:2", "m2"), img("c:3", "m3")})
	if err == nil {
		t.Fatal("the failing create was not reported")
	}
	if got, ok := s.m["a:1"]; !ok || got.Target.Digest != retargeted.Target.Digest {
		t.Errorf("rollback deleted or changed a:1, which another load had set: %v %v", ok, got.Target.Digest)
	}
	if _, ok := s.m["b:2"]; !ok {
		t.Errorf("rollback deleted b:2, which this load did not create")
	}

	// Without interference, the rollback removes what it created.
	s = &memImages{m: map[string]images.Image{}, fail: map[string]error{"c:3": errors.New("boom")}}
	if err := commitImages(t.Context(), s, []images.Image{img("a:1", "m1"), img("c:3", "m3")}); err == nil {
		t.Fatal("no error")
	}
	if len(s.m) != 0 {
		t.Errorf("rollback left %v", s.m)
	}
}
