package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// EnvCache names the directory holding the builds (default DefaultCache):
// outside the checkout, so worktrees and fresh clones share them.
const EnvCache = "CTRCRI_CACHE"

// DefaultCache is the build cache when CTRCRI_CACHE is unset.
const DefaultCache = "/var/cache/ctrcri"

// CacheRoot returns $CTRCRI_CACHE or DefaultCache.
func CacheRoot() string {
	if d := os.Getenv(EnvCache); d != "" {
		return d
	}
	return DefaultCache
}

// flagsHash names the build flags in a cache directory's name, so a change
// of tags never reuses a build made with others.
func flagsHash() string {
	h := sha256.Sum256([]byte("tags=" + Tags))
	return hex.EncodeToString(h[:])[:8]
}

// goVersion is the version of the go command that builds in dir (the tools
// module may select another toolchain).
func goVersion(repo, dir string) (string, error) {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = filepath.Join(repo, dir)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("matrix: go env GOVERSION: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// BinDir returns where r's containerd and shim are: _build/bin for the
// newest line, else <cache>/containerd-<version>-<go version>-<flags hash>.
func BinDir(repo, cache string, r Release) (string, error) {
	if r.Newest() {
		return filepath.Join(repo, "_build", "bin"), nil
	}
	gov, err := goVersion(repo, r.Tools)
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, fmt.Sprintf("containerd-%s-%s-%s", r.Version, gov, flagsHash())), nil
}

// Built reports whether dir holds both binaries.
func Built(dir string) bool {
	for _, f := range []string{"containerd", "containerd-shim-runc-v2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

// Build builds r's containerd and shim into its cache directory unless they
// are there, and returns the directory and how long the build took (zero
// when cached). It writes into a temporary directory renamed at the end, so
// an interrupted build never looks complete. The newest line is built by
// `make tools`; Build only checks it.
func Build(ctx context.Context, repo, cache string, r Release, log io.Writer) (string, time.Duration, error) {
	dir, err := BinDir(repo, cache, r)
	if err != nil {
		return "", 0, err
	}
	if Built(dir) {
		return dir, 0, nil
	}
	if r.Newest() {
		return "", 0, fmt.Errorf("matrix: containerd %s is not in %s: run `make tools`", r.Version, dir)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", 0, fmt.Errorf("matrix: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, filepath.Base(dir)+".tmp-")
	if err != nil {
		return "", 0, fmt.Errorf("matrix: %w", err)
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	args := append([]string{"build", "-tags", Tags, "-o", tmp + "/"}, r.Packages()...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(repo, r.Tools)
	cmd.Stdout, cmd.Stderr = log, log
	fmt.Fprintf(log, "matrix: building containerd %s in %s: go %s\n", r.Version, r.Tools, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("matrix: build containerd %s: %w", r.Version, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if Built(dir) { // another build finished first
			return dir, time.Since(start), nil
		}
		return "", 0, fmt.Errorf("matrix: %w", err)
	}
	return dir, time.Since(start), nil
}
