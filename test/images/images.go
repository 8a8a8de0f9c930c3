// Package images builds small OCI images offline for tests: one layer made
// from in-memory files, written as an OCI archive (a tar of an OCI image
// layout) that `ctr images import`, containerd's client.Import and
// `ctr cri load` read. The output is deterministic: the same Spec always gives
// the same digests, so tests may compare image IDs across runs.
package images

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	_ "crypto/sha256" // go-digest's sha256 needs the hash registered
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// DefaultPath is the PATH an image gets when its Spec sets none.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// epoch is the modification time of every layer entry; fixed so that a
// rebuild does not change the layer digest.
var epoch = time.Unix(0, 0).UTC()

// File is one entry of an image's layer.
type File struct {
	// Data is the content of a regular file.
	Data []byte
	// Mode holds the permission bits, plus fs.ModeDir or fs.ModeSymlink for
	// those types. Zero permissions mean 0644 for files and 0755 for dirs.
	Mode fs.FileMode
	// Target is where a symlink points.
	Target string
}

// Regular returns a regular file with the given permissions.
func Regular(data []byte, perm fs.FileMode) File { return File{Data: data, Mode: perm} }

// Symlink returns a symbolic link to target.
func Symlink(target string) File { return File{Mode: fs.ModeSymlink | 0o777, Target: target} }

// Dir returns a directory with the given permissions (e.g. 01777 for /tmp).
// Parent directories of other entries are added as 0755 by themselves.
func Dir(perm fs.FileMode) File { return File{Mode: fs.ModeDir | perm} }

// Spec describes a single-layer image.
type Spec struct {
	// Ref is the full reference the image gets when imported, such as
	// "localhost/ctrcri/busybox:latest".
	Ref string
	// Files maps absolute paths inside the image to their content.
	Files map[string]File
	// Entrypoint, Cmd, Env, WorkingDir and Labels become the image config.
	// Env gets DefaultPath when it sets no PATH.
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	Labels     map[string]string
	// User is the config's user ("uid:gid"); empty runs as root.
	User string
}

// Image is a Spec turned into blobs: what an archive or a registry holds.
type Image struct {
	Ref      string
	Manifest []byte
	Config   []byte
	Layer    []byte // gzip-compressed tar
	// ManifestDesc is the manifest's descriptor, annotated with the image
	// name and platform as it appears in index.json.
	ManifestDesc ocispec.Descriptor
	ConfigDesc   ocispec.Descriptor
	LayerDesc    ocispec.Descriptor
	// DiffID is the digest of the uncompressed layer.
	DiffID digest.Digest
}

// ID is the image ID as CRI reports it: the config digest.
func (im *Image) ID() string { return im.ConfigDesc.Digest.String() }

// Assemble builds the layer, config and manifest of s.
func Assemble(s Spec) (*Image, error) {
	if s.Ref == "" {
		return nil, fmt.Errorf("images: spec without Ref")
	}
	layerTar, err := layerTar(s.Files)
	if err != nil {
		return nil, fmt.Errorf("images: %s: %w", s.Ref, err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz) // zero header mtime keeps the digest stable
	if _, err := zw.Write(layerTar); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	im := &Image{Ref: s.Ref, Layer: gz.Bytes(), DiffID: digest.FromBytes(layerTar)}
	im.LayerDesc = ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageLayerGzip,
		Digest:    digest.FromBytes(im.Layer),
		Size:      int64(len(im.Layer)),
	}

	env := append([]string(nil), s.Env...)
	if !hasPath(env) {
		env = append([]string{DefaultPath}, env...)
	}
	platform := ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}
	cfg := ocispec.Image{
		Created:  &epoch,
		Platform: platform,
		Config: ocispec.ImageConfig{
			Entrypoint: s.Entrypoint,
			Cmd:        s.Cmd,
			Env:        env,
			WorkingDir: s.WorkingDir,
			Labels:     s.Labels,
			User:       s.User,
		},
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{im.DiffID}},
		History: []ocispec.History{{
			Created:   &epoch,
			CreatedBy: "ctrcri test/images",
		}},
	}
	if im.Config, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	im.ConfigDesc = ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageConfig,
		Digest:    digest.FromBytes(im.Config),
		Size:      int64(len(im.Config)),
	}

	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    im.ConfigDesc,
		Layers:    []ocispec.Descriptor{im.LayerDesc},
	}
	if im.Manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	im.ManifestDesc = ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageManifest,
		Digest:    digest.FromBytes(im.Manifest),
		Size:      int64(len(im.Manifest)),
		Platform:  &platform,
		Annotations: map[string]string{
			// containerd names the imported image after this annotation;
			// the OCI ref name alone would only carry the tag.
			"io.containerd.image.name": s.Ref,
			ocispec.AnnotationRefName:  tagOf(s.Ref),
		},
	}
	return im, nil
}

// Build writes an OCI archive holding the images of list to file path
// (directories are created) and returns what it wrote.
func Build(path string, list ...Spec) ([]*Image, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	ims, err := Write(f, list...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	// Rename so a reader never sees half an archive.
	return ims, os.Rename(tmp, path)
}

// Write writes an OCI archive holding the images of list to w.
func Write(w io.Writer, list ...Spec) ([]*Image, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("images: nothing to write")
	}
	var ims []*Image
	idx := ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
	}
	blobs := map[digest.Digest][]byte{}
	for _, s := range list {
		im, err := Assemble(s)
		if err != nil {
			return nil, err
		}
		ims = append(ims, im)
		idx.Manifests = append(idx.Manifests, im.ManifestDesc)
		blobs[im.ManifestDesc.Digest] = im.Manifest
		blobs[im.ConfigDesc.Digest] = im.Config
		blobs[im.LayerDesc.Digest] = im.Layer
	}
	index, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}

	tw := tar.NewWriter(w)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	if err := add(ocispec.ImageLayoutFile, []byte(`{"imageLayoutVersion":"`+ocispec.ImageLayoutVersion+`"}`)); err != nil {
		return nil, err
	}
	if err := add(ocispec.ImageIndexFile, index); err != nil {
		return nil, err
	}
	dgsts := make([]digest.Digest, 0, len(blobs))
	for d := range blobs {
		dgsts = append(dgsts, d)
	}
	sort.Slice(dgsts, func(i, j int) bool { return dgsts[i] < dgsts[j] })
	for _, d := range dgsts {
		if err := add("blobs/sha256/"+d.Encoded(), blobs[d]); err != nil {
			return nil, err
		}
	}
	return ims, tw.Close()
}

// layerTar returns an uncompressed tar of files, parents first, in a stable
// order, with missing parent directories added.
func layerTar(files map[string]File) ([]byte, error) {
	entries := map[string]File{}
	for p, f := range files {
		clean := path.Clean("/" + p)
		if clean == "/" {
			return nil, fmt.Errorf("file path %q names the root", p)
		}
		entries[clean] = f
		for dir := path.Dir(clean); dir != "/"; dir = path.Dir(dir) {
			if _, ok := entries[dir]; !ok {
				entries[dir] = Dir(0o755)
			}
		}
	}
	// Explicit dirs win over implied ones added above for a deeper path.
	for p, f := range files {
		entries[path.Clean("/"+p)] = f
	}
	names := make([]string, 0, len(entries))
	for p := range entries {
		names = append(names, p)
	}
	sort.Strings(names) // a parent sorts before its children

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range names {
		f := entries[p]
		hdr := &tar.Header{Name: strings.TrimPrefix(p, "/"), ModTime: epoch, Format: tar.FormatPAX}
		perm := int64(f.Mode.Perm())
		if f.Mode&fs.ModeSticky != 0 {
			perm |= 0o1000
		}
		switch {
		case f.Mode&fs.ModeDir != 0:
			hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
			if perm == 0 {
				perm = 0o755
			}
		case f.Mode&fs.ModeSymlink != 0:
			if f.Target == "" {
				return nil, fmt.Errorf("symlink %s without target", p)
			}
			hdr.Typeflag, hdr.Linkname, perm = tar.TypeSymlink, f.Target, 0o777
		case f.Mode.IsRegular():
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(f.Data))
			if perm == 0 {
				perm = 0o644
			}
		default:
			return nil, fmt.Errorf("%s: unsupported file mode %v", p, f.Mode)
		}
		hdr.Mode = perm
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func hasPath(env []string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			return true
		}
	}
	return false
}

// tagOf returns the tag of ref, or "latest" when it has none; a colon
// before the last slash belongs to a registry port, not a tag.
func tagOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}
