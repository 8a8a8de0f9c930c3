package devnode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctrcri/ctrcri/test/images"
)

// EnvRepoRoot overrides where the repository (and its _build dir) is.
const EnvRepoRoot = "CTRCRI_ROOT"

const modulePath = "github.com/ctrcri/ctrcri"

// RepoRoot returns $CTRCRI_ROOT, or the nearest directory at or above the
// working directory whose go.mod declares this module.
func RepoRoot() (string, error) {
	if r := os.Getenv(EnvRepoRoot); r != "" {
		return filepath.Abs(r)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("devnode: no go.mod of %s above the working directory; set %s", modulePath, EnvRepoRoot)
		}
		dir = parent
	}
}

func isModuleRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

// Build locates what `make tools images` produced under <repo>/_build.
type Build struct {
	Repo   string
	BinDir string // containerd, containerd-shim-runc-v2, runc
	// ContainerdDir holds the containerd and containerd-shim-runc-v2 the
	// node runs: BinDir, or another release's build (WithContainerd).
	ContainerdDir string
	CNIDir        string // bridge, host-local, loopback, portmap
	Images        string // pause.tar, busybox.tar
}

// Containerd is the daemon binary.
func (b Build) Containerd() string { return filepath.Join(b.ContainerdDir, "containerd") }

// WithContainerd returns b running the containerd and runc shim in dir.
func (b Build) WithContainerd(dir string) (Build, error) {
	for _, f := range []string{"containerd", "containerd-shim-runc-v2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return b, fmt.Errorf("devnode: containerd build: %w", err)
		}
	}
	b.ContainerdDir = dir
	return b, nil
}

// Runc is the OCI runtime the node's runc shim uses.
func (b Build) Runc() string { return filepath.Join(b.BinDir, "runc") }

// FindBuild returns the build under repo and checks it is complete. The
// error is one line naming the make target that produces what is missing.
func FindBuild(repo string) (Build, error) {
	b := Build{
		Repo:   repo,
		BinDir: filepath.Join(repo, "_build", "bin"),
		CNIDir: filepath.Join(repo, "_build", "cni"),
		Images: filepath.Join(repo, "_build", "images"),
	}
	b.ContainerdDir = b.BinDir
	need := []struct{ path, target string }{
		{b.Containerd(), "tools"},
		{filepath.Join(b.BinDir, "containerd-shim-runc-v2"), "tools"},
		{b.Runc(), "tools"},
		{filepath.Join(b.CNIDir, "bridge"), "tools"},
		{filepath.Join(b.CNIDir, "host-local"), "tools"},
		{filepath.Join(b.CNIDir, "loopback"), "tools"},
		{filepath.Join(b.CNIDir, "portmap"), "tools"},
		{filepath.Join(b.Images, images.PauseArchive), "images"},
		{filepath.Join(b.Images, images.BusyboxArchive), "images"},
	}
	for _, n := range need {
		if _, err := os.Stat(n.path); errors.Is(err, os.ErrNotExist) {
			return b, fmt.Errorf("devnode: %s is missing: run `make %s` in %s", n.path, n.target, repo)
		} else if err != nil {
			return b, fmt.Errorf("devnode: %w", err)
		}
	}
	return b, nil
}
