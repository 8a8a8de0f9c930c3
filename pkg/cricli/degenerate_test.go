package cricli

import (
	"path/filepath"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// F3: an unset variable (rmi "$IMG") or a bare "sha256:" is a prefix of
// every ID. With one image on the node it used to be picked, and removed.
// Every command that resolves references rejects them as usage errors
// before any RPC, whatever else is on the command line.
func TestDegenerateReferencesAreUsageErrors(t *testing.T) {
	s := node(t)
	s.SetImages(&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest"}, Size: 1})
	out := filepath.Join(t.TempDir(), "x.tar")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rmi", ""}, "image: empty reference"},
		{[]string{"rmi", "sha256:"}, `image "sha256:": empty ID prefix`},
		{[]string{"rmi", "busybox", " "}, "image: empty reference"},
		{[]string{"inspecti", ""}, "image: empty reference"},
		{[]string{"inspecti", "sha256:"}, `image "sha256:": empty ID prefix`},
		{[]string{"save", "-o", out, ""}, "image: empty reference"},
		{[]string{"rm", "-f", ""}, "container: empty ID"},
		{[]string{"rm", "sha256:"}, `container "sha256:": empty ID prefix`},
		{[]string{"stop", ctrW, ""}, "container: empty ID"},
		{[]string{"inspect", ""}, "container: empty ID"},
		{[]string{"logs", ""}, "container: empty ID"},
		{[]string{"rmp", "-f", ""}, "pod: empty ID"},
		{[]string{"stopp", "sha256:"}, `pod "sha256:": empty ID prefix`},
		{[]string{"inspectp", "\t"}, "pod: empty ID"},
	} {
		t.Run(tc.args[0]+"_"+tc.args[len(tc.args)-1], func(t *testing.T) {
			s.RuntimeCalls()
			s.ImageCalls()
			ctr(t, s.Endpoint, append([]string{"cri"}, tc.args...)...).fails(t, 2, tc.want)
			calls := append(s.RuntimeCalls(), s.ImageCalls()...)
			if len(calls) != 0 {
				t.Errorf("RPCs made for a degenerate reference: %v", calls)
			}
		})
	}
	if r := ctr(t, s.Endpoint, "cri", "images", "-q").ok(t); r.stdout != imgB+"\n" {
		t.Errorf("images -q = %q: the only image is gone", r.stdout)
	}
}
