package images

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The product image: labelled, non-root by default, ctr as entrypoint,
// no shell; a dynamically linked binary is refused.
func TestCtrcriImage(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skipf("needs a static binary to package: %v", err)
	}
	info := CtrcriInfo{Ref: "localhost/ctrcri/ctr:v1.2.3", Version: "v1.2.3", Revision: "abc123", Source: "https://example.com/ctrcri"}
	s, err := Ctrcri(BusyboxPath, info) // any static binary stands in for ctr
	if err != nil {
		t.Fatal(err)
	}
	im, err := Assemble(s)
	if err != nil {
		t.Fatal(err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(im.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if c.User != "65532:65532" || c.Entrypoint[0] != "/usr/local/bin/ctr" || strings.Join(c.Cmd, " ") != "cri diagnose -o ndjson" {
		t.Errorf("config %+v", c)
	}
	for k, v := range map[string]string{"org.opencontainers.image.version": "v1.2.3", "org.opencontainers.image.revision": "abc123", "org.opencontainers.image.source": "https://example.com/ctrcri"} {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	for p := range s.Files {
		if strings.HasSuffix(p, "/sh") {
			t.Errorf("the image holds a shell: %s", p)
		}
	}
	if _, err := Ctrcri(BusyboxPath, CtrcriInfo{Ref: "x"}); err == nil {
		t.Error("an image without version was built")
	}
	if checkStatic("/bin/ls") != nil { // Debian's ls is linked against libc
		if _, err := Ctrcri("/bin/ls", info); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
			t.Errorf("a dynamic binary: %v", err)
		}
	}
}
