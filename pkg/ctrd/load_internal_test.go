package ctrd

import (
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func TestLoadImageNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ann       map[string]string
		base      string
		want, err string
	}{
		{ann: map[string]string{"io.containerd.image.name": "docker.io/library/busybox:1.36"}, want: "docker.io/library/busybox:1.36"},
		{ann: map[string]string{"org.opencontainers.image.ref.name": "busybox"}, want: ""}, // a bare tag, no base name
		{ann: map[string]string{"org.opencontainers.image.ref.name": "v1"}, base: "example.com/app", want: "example.com/app:v1"},
		{ann: map[string]string{"org.opencontainers.image.ref.name": "quay.io/x/y:2"}, base: "ignored", want: "quay.io/x/y:2"},
		{ann: map[string]string{"org.opencontainers.image.ref.name": "alpine:3"}, want: "docker.io/library/alpine:3"},
		{ann: map[string]string{"io.containerd.image.name": "Bad/Name"}, err: `image name "Bad/Name" in the archive`},
		{ann: nil, want: ""},
	} {
		got, err := LoadOptions{BaseName: tc.base}.imageName(tc.ann)
		if tc.err != "" {
			if err == nil || len(err.Error()) < len(tc.err) || err.Error()[:len(tc.err)] != tc.err {
				t.Errorf("%v: error %v, want %q…", tc.ann, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v base %q: got %q, %v; want %q", tc.ann, tc.base, got, err, tc.want)
		}
	}
}

func TestCRISettingsFindTheSnapshotter(t *testing.T) {
	t.Parallel()
	fs := []*runtimeapi.FilesystemUsage{{FsId: &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.native"}}}
	for _, tc := range []struct {
		name, config string
		fs           []*runtimeapi.FilesystemUsage
		want         CRISettings
	}{
		{"2.x: the default runtime's snapshotter", `{"containerd":{"defaultRuntimeName":"kata","runtimes":{"kata":{"snapshotter":"devmapper"}}}}`, fs, CRISettings{"k8s.io", "devmapper"}},
		{"1.x: containerd.snapshotter", `{"containerd":{"snapshotter":"zfs"}}`, nil, CRISettings{"k8s.io", "zfs"}},
		{"2.x: from the image filesystem", `{"containerd":{"defaultRuntimeName":"runc","runtimes":{"runc":{"snapshotter":""}}}}`, fs, CRISettings{"k8s.io", "native"}},
		{"nothing known", `{}`, []*runtimeapi.FilesystemUsage{{}}, CRISettings{"k8s.io", "overlayfs"}},
		{"a namespace reported", `{"containerdNamespace":"k8s-test"}`, fs, CRISettings{"k8s-test", "native"}},
	} {
		if got := ParseCRIConfig(map[string]string{"config": tc.config}).Settings(tc.fs); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestExportNames(t *testing.T) {
	t.Parallel()
	im := &runtime.Image{Id: "sha256:abc", RepoTags: []string{"docker.io/library/busybox:latest", "example.com/bb:1"}, RepoDigests: []string{"docker.io/library/busybox@sha256:def"}}
	for ref, want := range map[string][]string{
		"busybox":                              {"docker.io/library/busybox:latest"},
		"example.com/bb:1":                     {"example.com/bb:1"},
		"abc":                                  {"docker.io/library/busybox:latest", "example.com/bb:1"},
		"docker.io/library/busybox@sha256:def": {"docker.io/library/busybox@sha256:def"},
	} {
		if got := exportNames(ref, im); len(got) != len(want) || got[0] != want[0] {
			t.Errorf("%s: %v, want %v", ref, got, want)
		}
	}
	if got := exportNames("abc", &runtime.Image{Id: "sha256:abc"}); got[0] != "sha256:abc" {
		t.Errorf("untagged image: %v", got)
	}
}
