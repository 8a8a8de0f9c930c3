// Package matrix runs the session an operator uses (version, info, pods,
// containers, streams, stats, images, containerd views, diagnose) against
// every containerd release line a fleet still runs, each built from its Go
// module and cached outside the checkout by version, Go version and flags.
//
// The releases and their pins: test/tools/containerd-<minor>/go.mod for the
// older lines, the main go.mod for the newest (the containerd ctr links).
package matrix

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Release is one containerd release line of the matrix.
type Release struct {
	Minor   string // "1.7"
	Module  string // the Go module containerd is built from
	Version string // the pinned patch release, "v1.7.35"
	// Tools is the tools module pinning it, relative to the repository;
	// empty for the newest line, pinned by the main go.mod and built by
	// `make tools` into _build/bin.
	Tools string
}

// Minors lists the release lines the matrix runs, oldest first. 2.1 is
// left out: no fleet we know of runs it, and 2.0 and 2.2 bracket it.
var Minors = []string{"1.7", "2.0", "2.2", "2.3", "2.4"}

// NewestKnown is the newest patch of each line the Go module proxy served
// when the pins last moved (go list -m -versions); TestPins holds the
// pins to it, and with CTRCRI_MATRIX_ONLINE=1 checks it against the proxy.
var NewestKnown = map[string]string{
	"1.7": "v1.7.35",
	"2.0": "v2.0.14",
	"2.2": "v2.2.10",
	"2.3": "v2.3.7",
	"2.4": "v2.4.2",
}

// Tags are the build tags of every containerd build, as the Makefile's
// CONTAINERD_TAGS: no btrfs headers here, and the node needs only overlayfs.
const Tags = "no_btrfs no_devmapper no_zfs"

// Packages returns the main packages a release's containerd build holds.
func (r Release) Packages() []string {
	return []string{r.Module + "/cmd/containerd", r.Module + "/cmd/containerd-shim-runc-v2"}
}

// Newest reports whether r is the line the main go.mod pins.
func (r Release) Newest() bool { return r.Tools == "" }

// Releases reads the pins of every line in Minors from repo's go.mod files.
func Releases(repo string) ([]Release, error) {
	var out []Release
	for i, minor := range Minors {
		r := Release{Minor: minor, Module: "github.com/containerd/containerd/v2"}
		if strings.HasPrefix(minor, "1.") {
			r.Module = "github.com/containerd/containerd"
		}
		gomod := filepath.Join(repo, "go.mod")
		if i < len(Minors)-1 {
			r.Tools = filepath.Join("test", "tools", "containerd-"+minor)
			gomod = filepath.Join(repo, r.Tools, "go.mod")
		}
		v, err := required(gomod, r.Module)
		if err != nil {
			return nil, err
		}
		r.Version = v
		out = append(out, r)
	}
	return out, nil
}

// Find returns the line minor ("1.7") of repo.
func Find(repo, minor string) (Release, error) {
	all, err := Releases(repo)
	if err != nil {
		return Release{}, err
	}
	for _, r := range all {
		if r.Minor == minor {
			return r, nil
		}
	}
	return Release{}, fmt.Errorf("matrix: no containerd %s in the matrix (%s)", minor, strings.Join(Minors, ", "))
}

// required returns the version gomod requires of module.
func required(gomod, module string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", fmt.Errorf("matrix: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("matrix: %s: %w", gomod, err)
	}
	return "", fmt.Errorf("matrix: %s does not require %s", gomod, module)
}
