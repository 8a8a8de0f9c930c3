package images

import (
	"fmt"
	"os"
)

// CtrcriArchive is the archive `make image` writes under _build/images.
const CtrcriArchive = "ctrcri.tar"

// NonRootUser is the image's default user: a process that only reads and
// diagnoses needs no root, except to open a root-only containerd socket,
// which the manifests grant explicitly (docs/fleet.md).
const NonRootUser = "65532:65532"

// CtrcriInfo labels the product image (OCI annotation keys as labels).
type CtrcriInfo struct {
	Ref, Version, Revision, Source string
}

// Ctrcri returns the spec of the product image: the static ctr binary at
// /usr/local/bin/ctr with crictl beside it as a symlink, passwd/group
// entries for the non-root default user, a /tmp, and no shell. Its
// entrypoint is ctr, its default command one diagnose report as ndjson.
func Ctrcri(binary string, info CtrcriInfo) (Spec, error) {
	if info.Ref == "" || info.Version == "" {
		return Spec{}, fmt.Errorf("ctrcri image: ref and version are required")
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		return Spec{}, fmt.Errorf("ctrcri image: %w", err)
	}
	if err := checkStatic(binary); err != nil {
		return Spec{}, fmt.Errorf("ctrcri image: %w (build it with CGO_ENABLED=0: make image)", err)
	}
	labels := map[string]string{
		"org.opencontainers.image.title":       "ctr cri",
		"org.opencontainers.image.description": "containerd's ctr with the crictl command tree; runs ctr cri diagnose on a node",
		"org.opencontainers.image.version":     info.Version,
	}
	if info.Revision != "" {
		labels["org.opencontainers.image.revision"] = info.Revision
	}
	if info.Source != "" {
		labels["org.opencontainers.image.source"] = info.Source
	}
	return Spec{
		Ref: info.Ref,
		Files: map[string]File{
			"/usr/local/bin/ctr":    Regular(data, 0o755),
			"/usr/local/bin/crictl": Symlink("ctr"),
			"/etc/passwd":           Regular([]byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"), 0o644),
			"/etc/group":            Regular([]byte("root:x:0:\nnonroot:x:65532:\n"), 0o644),
			"/home/nonroot":         Dir(0o755),
			"/tmp":                  Dir(0o777 | os.ModeSticky),
		},
		Entrypoint: []string{"/usr/local/bin/ctr"},
		Cmd:        []string{"cri", "diagnose", "-o", "ndjson"},
		User:       NonRootUser,
		Labels:     labels,
	}, nil
}
