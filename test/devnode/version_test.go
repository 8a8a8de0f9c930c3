package devnode

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const containerdModule = "github.com/containerd/containerd/v2"

// linkedVersion is the containerd module version the ctr binary links,
// from the packages ./cmd/ctr depends on (test binaries carry no module
// list in their build info, so ask the go command).
func linkedVersion(t *testing.T, repo string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Version}}{{end}}", "./cmd/ctr")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/ctr: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == containerdModule {
			return f[1]
		}
	}
	t.Fatalf("./cmd/ctr does not link %s", containerdModule)
	return ""
}

// TestToolsPinSameContainerd: the daemon the dev node runs must be the
// containerd the CLI links, or e2e tests would test a different server.
func TestToolsPinSameContainerd(t *testing.T) {
	repo, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want := linkedVersion(t, repo)
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Module.Path}} {{.Module.Version}}", "tool")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list tool: %v", err)
	}
	tools := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			tools[f[0]] = [2]string{f[1], f[2]}
		}
	}
	for _, pkg := range []string{containerdModule + "/cmd/containerd", containerdModule + "/cmd/containerd-shim-runc-v2"} {
		got, ok := tools[pkg]
		if !ok {
			t.Errorf("go.mod has no `tool %s`", pkg)
		} else if got[1] != want {
			t.Errorf("tool %s is %s %s, the CLI links %s", pkg, got[0], got[1], want)
		}
	}
	for _, pkg := range []string{
		"github.com/opencontainers/runc",
		"github.com/containernetworking/plugins/plugins/main/bridge",
		"github.com/containernetworking/plugins/plugins/main/loopback",
		"github.com/containernetworking/plugins/plugins/ipam/host-local",
		"github.com/containernetworking/plugins/plugins/meta/portmap",
	} {
		if _, ok := tools[pkg]; !ok {
			t.Errorf("go.mod has no `tool %s`", pkg)
		}
	}
}

// TestBuiltContainerdIsCurrent catches a stale _build/bin/containerd, built
// before go.mod moved to another containerd.
func TestBuiltContainerdIsCurrent(t *testing.T) {
	repo, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(repo, "_build", "bin", "containerd")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not built (make tools)", bin)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := linkedVersion(t, repo)
	// A tool built from a dependency records that module as its main one.
	got := ""
	if bi.Main.Path == containerdModule {
		got = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == containerdModule {
			got = d.Version
		}
	}
	if got != want {
		t.Errorf("%s was built from containerd %q, the CLI links %s: run make tools", bin, got, want)
	}
}
