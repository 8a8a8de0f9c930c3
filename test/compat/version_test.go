package compat

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/test/devnode"
)

const (
	criToolsModule  = "sigs.k8s.io/cri-tools"
	criToolsVersion = "v1.37.0"
)

// TestCriToolsPin: the reference is crictl v1.37.0, pinned by a tool line in
// go.mod, and the built binary is that version and says so (the Makefile
// stamps it, or crictl would print "version unknown").
func TestCriToolsPin(t *testing.T) {
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Module.Path}} {{.Module.Version}}", "tool")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list tool: %v", err)
	}
	want := criToolsModule + "/cmd/crictl " + criToolsModule + " " + criToolsVersion
	if !strings.Contains(string(out), want+"\n") {
		t.Errorf("go.mod has no `tool %s/cmd/crictl` at %s; tools:\n%s", criToolsModule, criToolsVersion, out)
	}

	bin := os.Getenv("CRICTL_BIN")
	if bin == "" {
		bin = filepath.Join(repo, "_build", "bin", "crictl")
	}
	if _, err := os.Stat(bin); err != nil {
		if devnode.Required() {
			t.Fatalf("%s: %v (make crictl)", bin, err)
		}
		t.Skipf("%s not built (make crictl)", bin)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	if bi.Main.Path == criToolsModule {
		got = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == criToolsModule {
			got = d.Version
		}
	}
	if got != criToolsVersion {
		t.Errorf("%s was built from cri-tools %q, want %s: run make crictl", bin, got, criToolsVersion)
	}
	v, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	if strings.TrimSpace(string(v)) != "crictl version "+criToolsVersion {
		t.Errorf("%s --version = %q, want %q (built without the version ldflag?)", bin, strings.TrimSpace(string(v)), "crictl version "+criToolsVersion)
	}
}
