package runtime

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/core/images/archive"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/containerd/log"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fuzzBound is how long one input may take: the config checker once hung
// for minutes on a 791-byte merge-key fan-out (F9).
const fuzzBound = 5 * time.Second

func bounded(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(fuzzBound):
		t.Fatalf("%s did not finish within %s", what, fuzzBound)
	}
}

// FuzzDecodeConfig: the pod and container config checker ends in bounded
// time on any input, and an error is a *ConfigError.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{
		"metadata: {name: a, namespace: b}\n", `{"metadata":{"name":"a"},"image":{"image":"busybox"}}`, "0\r\r0",
		"\"bad\\e[2J\\akey\\nline2\": 1\n", "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
		"<<: {a: 1}\n", "metadata: {name: yes}\n", "labels: {a: 1.10}\n", "---\n---\n", "",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, container bool) {
		var into any = &runtimeapi.PodSandboxConfig{}
		if container {
			into = &runtimeapi.ContainerConfig{}
		}
		bounded(t, "DecodeConfig", func() {
			if _, err := DecodeConfig("f.yaml", data, into); err != nil {
				if _, ok := err.(*ConfigError); !ok {
					t.Errorf("error of type %T: %v", err, err)
				}
			}
		})
	})
}

// FuzzFiltersAndLabels: label, state, image filter and name regex parsing
// never panic, and what they accept round-trips.
func FuzzFiltersAndLabels(f *testing.F) {
	for _, s := range []string{"app=web", "a=", "=b", "a=b=c", "dangling=true", "before=", "reference=busy*", "running", "(", "[a-", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := ParseLabels([]string{s}); err == nil {
			if k, v, eq := strings.Cut(s, "="); eq && !strings.ContainsAny(k, "!") && m.Equal()[k] != v {
				t.Fatalf("ParseLabels(%q) = %v", s, m)
			}
			m.Matches(map[string]string{s: s})
		}
		if flt, err := ParseImageFilters([]string{s}); err == nil && strings.HasSuffix(s, "=") && strings.Count(s, "=") == 1 {
			t.Fatalf("ParseImageFilters(%q) accepted an empty value: %+v", s, flt)
		}
		ParseContainerState(s)
		ParsePodState(s)
		bounded(t, "compile", func() {
			if re, err := compile("name", s); err == nil {
				matches(re, s)
			}
		})
	})
}

type fuzzItem struct {
	id, name, group string
	attempt         uint32
}

// FuzzPick: resolving a reference returns an object it names exactly (ID
// or name) or by ID prefix, never anything else; "" is refused.
func FuzzPick(f *testing.F) {
	f.Add("c3d4", "c3d4e5f6", "nginx", "c3d4ffff", "nginx", "p", "p")
	f.Add("", "a", "b", "c", "d", "p", "q")
	f.Add("sha256:", "sha256:aa", "x", "sha256:bb", "y", "p", "p")
	f.Add("nginx", "1", "nginx", "2", "nginx", "p", "q")
	f.Fuzz(func(t *testing.T, ref, id1, name1, id2, name2, group1, group2 string) {
		items := []fuzzItem{{id1, name1, group1, 0}, {id2, name2, group2, 1}}
		r := resolver[fuzzItem]{op: "inspect",
			id:       func(i fuzzItem) string { return i.id },
			names:    func(i fuzzItem) []string { return []string{i.name} },
			group:    func(i fuzzItem) string { return i.group },
			newer:    func(a, b fuzzItem) bool { return a.attempt > b.attempt },
			describe: func(i fuzzItem) string { return i.id }}
		got, err := r.pick(ref, items)
		if err == nil && id1 != id2 && name1 == ref && name2 == ref && id1 != ref && id2 != ref && group1 == group2 && got.attempt != 1 {
			t.Fatalf("pick(%q) = %+v, not the newest attempt", ref, got)
		}
		if ref == "" {
			if KindOf(err) != KindInvalid {
				t.Fatalf("empty ref: %v", err)
			}
			return
		}
		if err == nil && got.id != ref && got.name != ref && !strings.HasPrefix(got.id, ref) {
			t.Fatalf("pick(%q) = %+v, which it does not name", ref, got)
		}
	})
}

// archiveSeed is a minimal OCI layout archive with one image name; gz
// compresses it.
func archiveSeed(gz bool) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
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
	zw.Write(b.Bytes())
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
		bounded(t, "ImportIndex", func() {
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
			o.imageName(map[string]string{ocispec.AnnotationRefName: string(data[:min(len(data), 40)])})
		})
	})
}
