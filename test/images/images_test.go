package images

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func sample() Spec {
	return Spec{
		Ref: "localhost:5000/ctrcri/sample:v1",
		Files: map[string]File{
			"/bin/tool":     Regular([]byte("#!/bin/sh\necho hi\n"), 0o755),
			"/bin/alias":    Symlink("/bin/tool"),
			"/etc/motd":     Regular([]byte("hello\n"), 0),
			"/tmp":          Dir(0o777 | fs.ModeSticky),
			"usr/share/doc": Regular([]byte("doc"), 0o600),
		},
		Cmd: []string{"/bin/tool"},
		Env: []string{"FOO=bar"},
	}
}

func readTar(t *testing.T, r io.Reader) (map[string][]byte, map[string]*tar.Header) {
	t.Helper()
	data, hdrs := map[string][]byte{}, map[string]*tar.Header{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return data, hdrs
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		data[h.Name], hdrs[h.Name] = b, h
	}
}

func TestBuildArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "sample.tar")
	ims, err := Build(path, sample())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files, _ := readTar(t, f)

	if got := string(files["oci-layout"]); got != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %s", got)
	}
	for name, b := range files {
		if dir, enc := filepath.Split(name); dir == "blobs/sha256/" && enc != "" {
			if d := digest.FromBytes(b); d.Encoded() != enc {
				t.Errorf("blob %s has digest %s", name, d)
			}
		}
	}
	var idx ocispec.Index
	if err := json.Unmarshal(files["index.json"], &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 1 {
		t.Fatalf("index has %d manifests", len(idx.Manifests))
	}
	md := idx.Manifests[0]
	if md.Annotations["io.containerd.image.name"] != "localhost:5000/ctrcri/sample:v1" || md.Annotations[ocispec.AnnotationRefName] != "v1" {
		t.Errorf("manifest annotations = %v", md.Annotations)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(files["blobs/sha256/"+md.Digest.Encoded()], &m); err != nil {
		t.Fatal(err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(files["blobs/sha256/"+m.Config.Digest.Encoded()], &cfg); err != nil {
		t.Fatal(err)
	}
	if ims[0].ID() != m.Config.Digest.String() {
		t.Errorf("ID() = %s, config digest %s", ims[0].ID(), m.Config.Digest)
	}
	if cfg.Config.Env[0] != DefaultPath || cfg.Config.Env[1] != "FOO=bar" {
		t.Errorf("env = %v", cfg.Config.Env)
	}

	// The diff ID is the digest of the uncompressed layer.
	zr, err := gzip.NewReader(bytes.NewReader(files["blobs/sha256/"+m.Layers[0].Digest.Encoded()]))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if d := digest.FromBytes(raw); len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != d {
		t.Errorf("diff_ids = %v, layer tar digest %s", cfg.RootFS.DiffIDs, d)
	}
	layer, hdrs := readTar(t, bytes.NewReader(raw))
	for name, want := range map[string]int64{"bin/": 0o755, "bin/tool": 0o755, "etc/motd": 0o644, "tmp/": 0o1777, "usr/": 0o755, "usr/share/": 0o755, "usr/share/doc": 0o600} {
		if h, ok := hdrs[name]; !ok {
			t.Errorf("layer lacks %s", name)
		} else if h.Mode != want {
			t.Errorf("%s mode = %o, want %o", name, h.Mode, want)
		}
	}
	if h := hdrs["bin/alias"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/bin/tool" {
		t.Errorf("bin/alias = %+v", h)
	}
	if string(layer["etc/motd"]) != "hello\n" {
		t.Errorf("etc/motd = %q", layer["etc/motd"])
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if _, err := Write(&a, sample()); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two builds of one spec differ")
	}
}

func TestBuildErrors(t *testing.T) {
	for name, s := range map[string]Spec{
		"no ref":           {Files: map[string]File{"/a": Regular(nil, 0)}},
		"root path":        {Ref: "x", Files: map[string]File{"/": Dir(0)}},
		"symlink target":   {Ref: "x", Files: map[string]File{"/a": {Mode: fs.ModeSymlink}}},
		"unsupported mode": {Ref: "x", Files: map[string]File{"/a": {Mode: fs.ModeNamedPipe}}},
	} {
		if _, err := Write(io.Discard, s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Write(io.Discard); err == nil {
		t.Error("empty archive: no error")
	}
}

func TestTagOf(t *testing.T) {
	for ref, want := range map[string]string{
		"localhost/ctrcri/pause:latest": "latest",
		"localhost:5000/a/b":            "latest",
		"localhost:5000/a/b:v2":         "v2",
		"busybox@sha256:abcd":           "latest",
		"example.com/x:1.0@sha256:abcd": "1.0",
	} {
		if got := tagOf(ref); got != want {
			t.Errorf("tagOf(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestPauseImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	s, err := Pause()
	if err != nil {
		t.Fatal(err)
	}
	if s.Ref != PauseRef || len(s.Files["/pause"].Data) == 0 {
		t.Fatalf("pause spec = %s with %d bytes", s.Ref, len(s.Files["/pause"].Data))
	}
}

func TestBusyboxImage(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("busybox-static not installed (make deps)")
	}
	s, err := Busybox(BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/bin/sh", "/bin/sleep", "/bin/echo", "/bin/cat", "/bin/ls"} {
		if f, ok := s.Files[p]; !ok || f.Target != "/bin/busybox" {
			t.Errorf("%s = %+v", p, f)
		}
	}
}
