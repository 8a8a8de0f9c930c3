package ctrdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/metadata"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Content is containerd's own content store (bolt metadata over a local
// blob store, as containerd runs it) in CRI's namespace, for tests that
// act out what containerd's fetcher does while the fake CRI server holds a
// pull: ingests named KIND-DIGEST, and after each commit the
// distribution-source label.
type Content struct {
	t  testing.TB
	cs content.Store
}

var _ ctrd.PullContent = (*Content)(nil)

// NewContent opens an empty store removed at the end of the test.
func NewContent(t testing.TB) *Content {
	t.Helper()
	dir := t.TempDir()
	blobs, err := local.NewStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mdb := metadata.NewDB(db, blobs, nil)
	if err := mdb.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &Content{t: t, cs: mdb.ContentStore()}
}

func (c *Content) ns(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, runtime.CRINamespace)
}

func (c *Content) ListStatuses(ctx context.Context, filters ...string) ([]content.Status, error) {
	return c.cs.ListStatuses(c.ns(ctx), filters...)
}

func (c *Content) Walk(ctx context.Context, fn content.WalkFunc, filters ...string) error {
	return c.cs.Walk(c.ns(ctx), fn, filters...)
}

func (c *Content) Info(ctx context.Context, d digest.Digest) (content.Info, error) {
	return c.cs.Info(c.ns(ctx), d)
}

func (c *Content) ReaderAt(ctx context.Context, desc ocispec.Descriptor) (content.ReaderAt, error) {
	return c.cs.ReaderAt(c.ns(ctx), desc)
}

// Blob is one blob being fetched.
type Blob struct {
	c    *Content
	Desc ocispec.Descriptor
	data []byte
	kind string
	w    content.Writer
	n    int
}

// Fetch starts fetching data as containerd's fetcher does: an ingest
// named KIND-DIGEST with the size known, nothing written yet.
func (c *Content) Fetch(kind, mediaType string, data []byte) *Blob {
	c.t.Helper()
	b := &Blob{c: c, data: data, kind: kind,
		Desc: ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}}
	w, err := content.OpenWriter(c.ns(context.Background()), c.cs,
		content.WithRef(kind+"-"+b.Desc.Digest.String()), content.WithDescriptor(b.Desc))
	if err != nil {
		c.t.Fatal(err)
	}
	b.w = w
	return b
}

// Write writes the next n bytes.
func (b *Blob) Write(n int) *Blob {
	b.c.t.Helper()
	n = min(n, len(b.data)-b.n)
	if _, err := b.w.Write(b.data[b.n : b.n+n]); err != nil {
		b.c.t.Fatal(err)
	}
	b.n += n
	return b
}

// Commit writes the rest, commits, and labels the blob with the
// repository it came from (REGISTRY/PATH), as containerd's pull does next.
func (b *Blob) Commit(source string) ocispec.Descriptor {
	b.c.t.Helper()
	b.Write(len(b.data))
	ctx := b.c.ns(context.Background())
	if err := b.w.Commit(ctx, b.Desc.Size, b.Desc.Digest); err != nil {
		b.c.t.Fatal(err)
	}
	b.w.Close()
	b.c.Label(b.Desc.Digest, source)
	return b.Desc
}

// Abort drops the ingest, as a cancelled fetch does.
func (b *Blob) Abort() {
	b.w.Close()
	if err := b.c.cs.Abort(b.c.ns(context.Background()), b.kind+"-"+b.Desc.Digest.String()); err != nil {
		b.c.t.Fatal(err)
	}
}

// Label adds the repository to the blob's distribution-source label, which
// also moves its update time, as containerd's pull does for every blob it
// fetches or finds in place.
func (c *Content) Label(d digest.Digest, source string) {
	c.t.Helper()
	host, repo, _ := strings.Cut(source, "/")
	u, err := url.Parse("dummy://" + host)
	if err != nil {
		c.t.Fatal(err)
	}
	key := "containerd.io/distribution.source." + u.Hostname()
	ctx := c.ns(context.Background())
	info, err := c.cs.Info(ctx, d)
	if err != nil {
		c.t.Fatal(err)
	}
	if old := info.Labels[key]; old != "" && old != repo {
		repo = old + "," + repo
	}
	if _, err := c.cs.Update(ctx, content.Info{Digest: d, Labels: map[string]string{key: repo}}, "labels."+key); err != nil {
		c.t.Fatal(err)
	}
}

// Put stores a whole blob fetched from source.
func (c *Content) Put(kind, mediaType string, data []byte, source string) ocispec.Descriptor {
	c.t.Helper()
	return c.Fetch(kind, mediaType, data).Commit(source)
}

// Manifest is the image manifest of config and layers.
func Manifest(config ocispec.Descriptor, layers ...ocispec.Descriptor) []byte {
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: config, Layers: layers}
	m.SchemaVersion = 2
	p, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return p
}

// Data is n bytes of a recognisable pattern, distinct per seed.
func Data(seed byte, n int) []byte {
	return bytes.Repeat([]byte{seed}, n)
}

// Desc describes data without storing it.
func Desc(mediaType string, data []byte) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
}
