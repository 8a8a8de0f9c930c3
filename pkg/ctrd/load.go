package ctrd

import (
	"archive/tar"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/images/archive"
	"github.com/containerd/containerd/v2/core/leases"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/docker/go-units"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// criImageLabel marks images as CRI's own, as CRI does when it pulls.
const criImageLabel = "io.cri-containerd.image"

// DefaultSnapshotter is CRI's snapshotter when its configuration says nothing.
const DefaultSnapshotter = "overlayfs"

// CRISettings are the parts of the CRI plugin's configuration that decide
// where images must go for CRI to use them.
type CRISettings struct {
	Namespace   string
	Snapshotter string
}

// ReadCRISettings reads the namespace and snapshotter CRI uses, from its
// verbose status and, when that does not name a snapshotter, from the image
// filesystem's mount point (containerd's io.containerd.snapshotter.v1.NAME).
func ReadCRISettings(ctx context.Context, c *runtime.Client) (CRISettings, error) {
	st, err := c.Status(ctx, true)
	if err != nil {
		return CRISettings{}, err
	}
	cfg := ParseCRIConfig(st.GetInfo())
	s := cfg.Settings(nil)
	if s.Snapshotter == "" {
		fs, err := c.ImageFsInfo(ctx)
		if err != nil {
			return CRISettings{}, err
		}
		s = cfg.Settings(fs.GetImageFilesystems())
	}
	return s, nil
}

// CRIConfig is the subset of CRI's verbose "config" ctr cri reads. Keys of
// containerd 1.x (containerd.snapshotter, sandboxImage) are read too.
type CRIConfig struct {
	Namespace  string `json:"containerdNamespace"`
	Containerd struct {
		Snapshotter        string `json:"snapshotter"`
		DefaultRuntimeName string `json:"defaultRuntimeName"`
		Runtimes           map[string]struct {
			Type        string         `json:"runtimeType"`
			Path        string         `json:"runtimePath"`
			Snapshotter string         `json:"snapshotter"`
			Sandboxer   string         `json:"sandboxer"`
			Options     map[string]any `json:"options"`
		} `json:"runtimes"`
	} `json:"containerd"`
	Snapshotter  string            `json:"snapshotter"`
	SandboxImage string            `json:"sandboxImage"`
	PinnedImages map[string]string `json:"pinned_images"`
	CNI          struct {
		BinDirs []string `json:"binDirs"`
		BinDir  string   `json:"binDir"`
		ConfDir string   `json:"confDir"`
	} `json:"cni"`
}

func ParseCRIConfig(info map[string]string) CRIConfig {
	var cfg CRIConfig
	if raw := info["config"]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &cfg) // an unknown shape leaves defaults
	}
	return cfg
}

func (cfg CRIConfig) Settings(fs []*runtimeapi.FilesystemUsage) CRISettings {
	s := CRISettings{Namespace: cmp.Or(cfg.Namespace, runtime.CRINamespace)}
	s.Snapshotter = cmp.Or(cfg.Containerd.Runtimes[cfg.Containerd.DefaultRuntimeName].Snapshotter,
		cfg.Containerd.Snapshotter, cfg.Snapshotter)
	if s.Snapshotter == "" && fs != nil {
		for _, u := range fs {
			base := filepath.Base(u.GetFsId().GetMountpoint())
			if name, ok := strings.CutPrefix(base, "io.containerd.snapshotter.v1."); ok {
				s.Snapshotter = name
				break
			}
		}
		if s.Snapshotter == "" {
			s.Snapshotter = DefaultSnapshotter
		}
	}
	return s
}

// LoadOptions say where and what Load imports.
type LoadOptions struct {
	CRISettings
	Platform     string // os/arch[/variant]; "" is this host's
	AllPlatforms bool
	// BaseName names images whose OCI ref name is only a tag.
	BaseName string
	// Progress, when set, is told how far reading got and which image is
	// being unpacked; it runs on Load's goroutine.
	Progress func(LoadProgress)
	// Visible is how long to wait for CRI to list the loaded images; CRI
	// learns of them from containerd's events.
	Visible time.Duration
	// Size is the archive's size in bytes, 0 when unknown (standard
	// input); it sets how long the lease outlives a crashed load.
	Size int64
	// MaxBytes and MaxEntries bound what one archive may hold, uncompressed
	// (0: DefaultMaxBytes, DefaultMaxEntries). With the default size bound,
	// a gzip archive may also not expand more than maxRatio times.
	MaxBytes   int64
	MaxEntries int
}

// Bounds on one archive, raised with load --max-size and --max-entries:
// everything in an archive is written to containerd's store before its
// images are named, so a small gzip archive could otherwise fill the disk.
const (
	DefaultMaxBytes   = 64 << 30
	DefaultMaxEntries = 100_000
	// maxRatio is the most a gzip archive may expand, past ratioFloor,
	// while the size bound is the default: real images expand a few
	// times, a compression bomb thousands.
	maxRatio   = 100
	ratioFloor = 1 << 30
)

// LimitError is an archive beyond a load bound.
type LimitError struct {
	What string // what went beyond: "size", "entries", "expansion"
	Msg  string
}

func (e *LimitError) Error() string { return e.Msg }

// The lease holding a load's content expires on its own if the process
// dies (containerd's leases cannot be extended): a few minutes plus the
// time to read the archive at a slow disk's pace, longer when the size is
// unknown. A load that ends in any other way deletes it at once.
const (
	leaseBase        = 5 * time.Minute
	leaseUnknownSize = 30 * time.Minute
	leaseReadRate    = 10 << 20 // bytes per second
)

func (o LoadOptions) leaseExpiry() time.Duration {
	if o.Size <= 0 {
		return leaseUnknownSize
	}
	return leaseBase + time.Duration(o.Size/leaseReadRate)*time.Second
}

// LoadProgress is one progress report of Load.
type LoadProgress struct {
	Read      int64  // bytes of the archive read so far
	Unpacking string // the image being unpacked, once reading is done
}

// Load imports one OCI or docker archive (optionally gzip-compressed) into
// CRI's namespace, unpacks it for CRI's snapshotter and returns the image
// names it created. Nothing is named before everything is in place: a
// failure leaves no image records, and the lease holding the content is
// deleted so the garbage collector takes it. name is the file, for errors.
func Load(ctx context.Context, c *runtime.Client, r io.Reader, name string, o LoadOptions) (refs []string, err error) {
	fail := func(err error) error {
		var e *runtime.Error
		switch {
		case errors.As(err, &e):
			return err
		case errdefs.IsUnavailable(err), errdefs.IsNotImplemented(err),
			errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			return wrapCtrd(ctx, c, "load", name, err)
		}
		return &runtime.Error{Kind: runtime.KindFailed, Op: "load", ID: name, Err: err}
	}
	importM, unpackM, err := o.matchers()
	if err != nil {
		return nil, &runtime.Error{Kind: runtime.KindInvalid, Op: "load", ID: name, Err: err}
	}
	cl, err := containerd.NewWithConn(c.Conn(), containerd.WithDefaultNamespace(o.Namespace))
	if err != nil {
		return nil, fail(err)
	}
	ctx = namespaces.WithNamespace(ctx, o.Namespace)
	ls := cl.LeasesService()
	lease, err := ls.Create(ctx, leases.WithRandomID(), leases.WithExpiration(o.leaseExpiry()))
	if err != nil {
		return nil, wrapCtrd(ctx, c, "load", name, err)
	}
	// Cleanup must run even when ctx is cancelled or out of time.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		var opts []leases.DeleteOpt
		if err != nil {
			opts = append(opts, leases.SynchronousDelete) // collect the garbage now
		}
		if derr := ls.Delete(cctx, lease, opts...); derr != nil && err == nil {
			err = fail(fmt.Errorf("release lease: %w", derr))
		}
	}()
	ctx = leases.WithLease(ctx, lease.ID)

	r, unblock := cancelable(ctx, r)
	defer unblock()
	in, done, err := archiveReader(r, o.Progress, o.limits())
	if err != nil {
		return nil, fail(err)
	}
	defer done()
	cs := cl.ContentStore()
	index, err := archive.ImportIndex(ctx, cs, in)
	if err != nil {
		return nil, fail(describeImportError(err))
	}
	var imgs []images.Image
	handler := images.HandlerFunc(func(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
		if desc.Digest != index.Digest {
			return images.Children(ctx, cs, desc)
		}
		p, err := content.ReadBlob(ctx, cs, desc)
		if err != nil {
			return nil, err
		}
		var idx ocispec.Index
		if err := json.Unmarshal(p, &idx); err != nil {
			return nil, fmt.Errorf("index.json: %w", err)
		}
		for _, m := range idx.Manifests {
			n, err := o.imageName(m.Annotations)
			if err != nil {
				return nil, err
			}
			if n != "" {
				imgs = append(imgs, images.Image{Name: n, Target: m, Labels: map[string]string{criImageLabel: "managed"}})
			}
		}
		return idx.Manifests, nil
	})
	if err := images.WalkNotEmpty(ctx, images.SetChildrenLabels(cs, images.FilterPlatforms(handler, importM)), index); err != nil {
		return nil, fail(describeImportError(err))
	}
	if len(imgs) == 0 {
		return nil, fail(errors.New("the archive names no image (OCI ref names that are only tags need --base-name)"))
	}
	for _, img := range imgs {
		if o.Progress != nil {
			o.Progress(LoadProgress{Unpacking: img.Name})
		}
		ci := containerd.NewImageWithPlatform(cl, img, unpackM)
		if err := ci.Unpack(ctx, o.Snapshotter); err != nil {
			if o.AllPlatforms && errdefs.IsNotFound(err) {
				continue // nothing for this host's platform: stored, not unpacked
			}
			return nil, fail(fmt.Errorf("unpack %s for snapshotter %s: %w", img.Name, o.Snapshotter, err))
		}
	}
	if err := commitImages(ctx, cl.ImageService(), imgs); err != nil {
		return nil, fail(err)
	}
	for _, img := range imgs {
		refs = append(refs, img.Name)
	}
	if err := waitImagesListed(ctx, c, refs, o.Visible); err != nil {
		return refs, err
	}
	return refs, nil
}

// Check validates the options before any RPC.
func (o LoadOptions) Check() error {
	_, _, err := o.matchers()
	return err
}

func (o LoadOptions) matchers() (imp, unpack platforms.MatchComparer, err error) {
	switch {
	case o.Platform != "":
		m, err := platformMatcher(o.Platform)
		if err != nil {
			return nil, nil, err
		}
		if o.AllPlatforms {
			return platforms.All, m, nil
		}
		return m, m, nil
	case o.AllPlatforms:
		return platforms.All, platforms.DefaultStrict(), nil
	}
	return platforms.DefaultStrict(), platforms.DefaultStrict(), nil
}

// platformMatcher matches exactly the platform named (os/arch[/variant]),
// or this host's when none is.
func platformMatcher(p string) (platforms.MatchComparer, error) {
	if p == "" {
		return platforms.DefaultStrict(), nil
	}
	spec, err := platforms.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("invalid --platform: %w", err)
	}
	return platforms.OnlyStrict(spec), nil
}

// Check validates the options before any RPC.
func (o SaveOptions) Check() error {
	_, err := platformMatcher(o.Platform)
	return err
}

// imageName names a manifest of the archive: containerd's and docker's
// full name, else an OCI ref name that is a full reference, else a bare
// tag under BaseName.
func (o LoadOptions) imageName(ann map[string]string) (string, error) {
	n := ann[images.AnnotationImageName]
	if n == "" {
		n = ann[ocispec.AnnotationRefName]
		if n != "" && !strings.ContainsAny(n, "/:@") {
			if o.BaseName == "" {
				return "", nil
			}
			n = o.BaseName + ":" + n
		}
	}
	if n == "" {
		return "", nil
	}
	named, err := reference.ParseNormalizedNamed(n)
	if err != nil {
		return "", fmt.Errorf("image name %q in the archive: %w", n, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// commitImages names the loaded images. Each record is created, or, if
// it exists, verified: the same name on the same target is success, so
// concurrent loads of one archive all succeed. A name on another target is
// moved to the archive's. On failure the rollback undoes only what this
// call did, and only where the record still points where it set it: a
// concurrent loader's records are never touched.
func commitImages(ctx context.Context, is images.Store, imgs []images.Image) error {
	type undo struct {
		img images.Image  // as this call set it
		old *images.Image // nil: the record was created
	}
	var done []undo
	rollback := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, u := range slices.Backward(done) {
			if u.old == nil {
				// Deleted only if it still has our target.
				_ = is.Delete(cctx, u.img.Name, images.DeleteTarget(&u.img.Target))
				continue
			}
			if cur, err := is.Get(cctx, u.img.Name); err == nil && cur.Target.Digest == u.img.Target.Digest {
				_, _ = is.Update(cctx, *u.old, "target", "labels")
			}
		}
	}
	for _, img := range imgs {
		if err := commitImage(ctx, is, img, func(old *images.Image) { done = append(done, undo{img, old}) }); err != nil {
			rollback()
			return err
		}
	}
	return nil
}

// commitImage creates img's record, or verifies or moves an existing one;
// changed is told what it did, for the rollback.
func commitImage(ctx context.Context, is images.Store, img images.Image, changed func(old *images.Image)) error {
	// A record can be deleted between a failed Create and the Get (rmi
	// running beside load): try again, a few times.
	for range 3 {
		_, err := is.Create(ctx, img)
		if err == nil {
			changed(nil)
			return nil
		}
		if !errdefs.IsAlreadyExists(err) {
			return fmt.Errorf("create image %s: %w", img.Name, err)
		}
		old, err := is.Get(ctx, img.Name)
		if errdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("image %s: %w", img.Name, err)
		}
		if old.Target.Digest == img.Target.Digest {
			return nil // already there: another load of the same archive, or a reload
		}
		if _, err := is.Update(ctx, img, "target", "labels."+criImageLabel); err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("update image %s: %w", img.Name, err)
		}
		changed(&old)
		return nil
	}
	return fmt.Errorf("create image %s: created and removed concurrently, again and again", img.Name)
}

// waitImagesListed polls ListImages until CRI lists every ref, so that the
// next ctr cri command sees what load printed.
func waitImagesListed(ctx context.Context, c *runtime.Client, refs []string, budget time.Duration) error {
	if budget <= 0 {
		return nil
	}
	deadline := time.Now().Add(budget)
	for {
		all, err := c.AllImages(ctx)
		if err != nil {
			return err
		}
		idx := runtime.NewImageIndex(all)
		var missing []string
		for _, r := range refs {
			if !idx.Listed(r) {
				missing = append(missing, r)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return &runtime.Error{Kind: runtime.KindFailed, Op: "load", ID: strings.Join(missing, ", "),
				Err:  fmt.Errorf("imported into namespace, but CRI does not list it after %s", budget),
				Hint: "see containerd's log for the CRI plugin's image events"}
		}
		select {
		case <-ctx.Done():
			return c.Wrap(ctx, "load", "", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cancelable makes reads of r end when ctx does: a read of a pipe
// (load -) blocks in the kernel, where neither a cancelled ctx nor a
// signal reaches, so an interrupted load would never get to release its
// lease. The blocked read is left behind; the process is about to exit.
func cancelable(ctx context.Context, r io.Reader) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	return pr, func() {
		stop()
		pr.Close()
	}
}

type limits struct {
	maxBytes   int64
	maxEntries int
	ratioFloor int64 // 0: no expansion check
}

func (o LoadOptions) limits() limits {
	l := limits{maxBytes: o.MaxBytes, maxEntries: o.MaxEntries}
	if l.maxBytes <= 0 {
		l.maxBytes, l.ratioFloor = DefaultMaxBytes, ratioFloor
	}
	if l.maxEntries <= 0 {
		l.maxEntries = DefaultMaxEntries
	}
	return l
}

// archiveReader undoes gzip compression (docker save | gzip), checks that
// what remains starts like a tar archive, counts what was read for
// progress, and enforces the size, entry and expansion bounds. done stops
// the entry counter.
func archiveReader(r io.Reader, progress func(LoadProgress), lim limits) (_ io.Reader, done func(), _ error) {
	raw := &countingReader{r: r, report: progress}
	br := bufio.NewReaderSize(raw, 64<<10)
	gz := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("not a gzip-compressed archive: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		gz = true
	}
	// Every tar writer of this century puts "ustar" at offset 257 of the
	// first header; an empty input is left to the importer to name.
	if hdr, err := br.Peek(512); len(hdr) > 0 && (err != nil || !bytes.HasPrefix(hdr[257:], []byte("ustar"))) {
		return nil, nil, errors.New("not a tar archive")
	}
	if !gz {
		lim.ratioFloor = 0
	}
	b := &boundedReader{r: br, lim: lim, raw: raw}
	// The importer reads the tar stream itself; a second tar reader on a
	// copy counts its entries and stops the stream past the bound.
	pr, pw := io.Pipe()
	go countEntries(pr, lim.maxEntries)
	return io.TeeReader(b, pw), func() { pw.Close() }, nil
}

// countEntries reads a tar stream and fails the pipe once it holds more
// than max entries; past the end of the archive it drains the pipe.
func countEntries(pr *io.PipeReader, max int) {
	tr := tar.NewReader(pr)
	for n := 0; ; n++ {
		if _, err := tr.Next(); err != nil {
			break // the importer reports a malformed archive itself
		}
		if n >= max {
			pr.CloseWithError(&LimitError{What: "entries", Msg: fmt.Sprintf(
				"the archive has more than %d entries (raise the bound with --max-entries)", max)})
			return
		}
	}
	_, _ = io.Copy(io.Discard, pr)
}

// boundedReader fails once the uncompressed archive passes the size
// bound, or, past ratioFloor bytes, expands more than maxRatio times.
type boundedReader struct {
	r   io.Reader
	raw *countingReader
	lim limits
	n   int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.lim.maxBytes {
		return n, &LimitError{What: "size", Msg: fmt.Sprintf(
			"the archive holds more than %s uncompressed (raise the bound with --max-size)", units.BytesSize(float64(b.lim.maxBytes)))}
	}
	if f := b.lim.ratioFloor; f > 0 && b.n > f && b.n > maxRatio*max(b.raw.n, 1) {
		return n, &LimitError{What: "expansion", Msg: fmt.Sprintf(
			"the gzip archive expands more than %d times (%s from %s read): a compression bomb? --max-size lifts this check",
			maxRatio, units.BytesSize(float64(b.n)), units.BytesSize(float64(b.raw.n)))}
	}
	return n, err
}

type countingReader struct {
	r      io.Reader
	n      int64
	last   time.Time
	report func(LoadProgress)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if now := time.Now(); c.report != nil && (now.Sub(c.last) > 100*time.Millisecond || err != nil) {
		c.last = now
		c.report(LoadProgress{Read: c.n})
	}
	return n, err
}

// describeImportError says in plain words what is wrong with the file.
func describeImportError(err error) error {
	var le *LimitError
	switch {
	case errors.As(err, &le):
		return le
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated archive: %w", err)
	case errors.Is(err, tar.ErrHeader), errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("not a tar archive: %w", err)
	case strings.Contains(err.Error(), "unrecognized image format"):
		return errors.New("not an image archive: no oci-layout or manifest.json inside")
	}
	return err
}

// wrapCtrd classifies an error of containerd's client library, which has
// turned gRPC statuses into errdefs errors.
func wrapCtrd(ctx context.Context, c *runtime.Client, op, id string, err error) error {
	if errdefs.IsNotImplemented(err) && strings.Contains(err.Error(), "unknown service") {
		return &runtime.Error{Kind: runtime.KindFailed, Op: op, ID: id, Endpoint: c.RuntimeEndpoint(), Err: ErrNoContainerd,
			Hint: "this command needs containerd, " + c.RuntimeEndpoint() + " is another CRI runtime"}
	}
	return c.Wrap(ctx, op, id, errgrpc.ToGRPC(err))
}

// SaveOptions say what Save exports.
type SaveOptions struct {
	Namespace    string
	Platform     string // "" is this host's
	AllPlatforms bool
}

// Save resolves refs through CRI's image list (ID prefix, tag, familiar
// name) and writes those images to w as one OCI archive, with docker's
// manifest.json beside it so docker and podman load it too. Any
// unresolvable ref fails the whole save before a byte is written.
func Save(ctx context.Context, c *runtime.Client, w io.Writer, refs []string, o SaveOptions) error {
	res, err := c.ResolveImages(ctx, refs)
	if err != nil {
		return err
	}
	var names []string
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		for _, n := range exportNames(r.Ref, r.Item) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	m, err := platformMatcher(o.Platform)
	if err != nil {
		return &runtime.Error{Kind: runtime.KindInvalid, Op: "save", Err: err}
	}
	opts := []archive.ExportOpt{archive.WithPlatform(m)}
	if o.AllPlatforms {
		opts = append(opts, archive.WithAllPlatforms())
	}
	cl, err := containerd.NewWithConn(c.Conn(), containerd.WithDefaultNamespace(o.Namespace))
	if err != nil {
		return &runtime.Error{Kind: runtime.KindFailed, Op: "save", Err: err}
	}
	ctx = namespaces.WithNamespace(ctx, o.Namespace)
	is := cl.ImageService()
	for _, n := range names {
		opts = append(opts, archive.WithImage(is, n))
	}
	if o.Platform != "" && !o.AllPlatforms {
		if err := checkPlatform(ctx, is, cl.ContentStore(), names, o.Platform, m); err != nil {
			return err
		}
	}
	if err := cl.Export(ctx, w, opts...); err != nil {
		if errdefs.IsNotFound(err) || !errdefs.IsUnavailable(err) && !errdefs.IsNotImplemented(err) {
			return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: strings.Join(names, ", "), Err: err}
		}
		return wrapCtrd(ctx, c, "save", "", err)
	}
	return nil
}

// checkPlatform fails when an image has nothing for the platform asked
// for: the exporter filters the manifests of an index by platform, but
// writes a single-manifest image whatever its platform.
func checkPlatform(ctx context.Context, is images.Store, cs content.Store, names []string, want string, m platforms.MatchComparer) error {
	for _, n := range names {
		img, err := is.Get(ctx, n)
		if err != nil {
			return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: n, Err: err}
		}
		have, err := images.Platforms(ctx, cs, img.Target)
		if err != nil {
			return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: n, Err: err}
		}
		if !slices.ContainsFunc(have, m.Match) {
			var list []string
			for _, p := range have {
				list = append(list, platforms.Format(p))
			}
			return &runtime.Error{Kind: runtime.KindFailed, Op: "save", ID: n,
				Err: fmt.Errorf("no content for platform %s (the image has: %s)", want, strings.Join(list, ", "))}
		}
	}
	return nil
}

// exportNames picks the containerd image names that save exports for a
// resolved CRI image: the tag or digest the user typed, else every tag (an
// ID or prefix was given), else a repo digest.
func exportNames(ref string, im *runtime.Image) []string {
	norm := runtime.NormalizeRef(ref)
	for _, n := range slices.Concat(im.RepoTags, im.RepoDigests) {
		if n == ref || n == norm {
			return []string{n}
		}
	}
	if len(im.RepoTags) > 0 {
		return im.RepoTags
	}
	if len(im.RepoDigests) > 0 {
		return im.RepoDigests[:1]
	}
	return []string{im.Id}
}
