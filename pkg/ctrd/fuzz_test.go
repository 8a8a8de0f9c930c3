package ctrd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"testing"

	"github.com/containerd/containerd/v2/core/images/archive"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/containerd/log"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/ctrcri/ctrcri/test/fuzzbound"
)

// archiveSeed is a minimal OCI layout archive with one image name; gz
// compresses it.
func archiveSeed(gz bool) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, data []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(data)
	}
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	idx, _ := json.Marshal(ocispec.Index{Manifests: []ocispec.Descriptor{{
		MediaType: ocispec.MediaTypeImageManifest, Size: 2,
		Digest:      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
		Annotations: map[string]string{ocispec.AnnotationRefName: "localhost/fuzz:1"},
	}}})
	add("index.json", idx)
	add("blobs/sha256/44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", []byte("{}"))
	tw.Close()
	if !gz {
		return b.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(b.Bytes())
	zw.Close()
	return z.Bytes()
}

// FuzzArchiveReader: load's reading half (decompression, containerd's
// ImportIndex into a content store, the image names) ends in bounded time
// on any archive, with an error or names.
func FuzzArchiveReader(f *testing.F) {
	f.Add(archiveSeed(false))
	f.Add(archiveSeed(true))
	f.Add(archiveSeed(false)[:700])
	f.Add([]byte("not an archive"))
	// The local store warns about fsverity on every open.
	log.L.Logger.SetLevel(logrus.ErrorLevel)
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := local.NewStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fuzzbound.Run(t, "ImportIndex", func() {
			var o LoadOptions
			in, done, err := archiveReader(bytes.NewReader(data), nil, o.limits())
			if err != nil {
				return
			}
			defer done()
			idx, err := archive.ImportIndex(context.Background(), cs, in)
			if err != nil {
				_ = describeImportError(err).Error()
				return
			}
			_ = idx
			_, _ = o.imageName(map[string]string{ocispec.AnnotationRefName: string(data[:min(len(data), 40)])})
		})
	})
}
