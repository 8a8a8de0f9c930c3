package compat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// The package's dev node and the two binaries under comparison; see setup.
var (
	node    *devnode.Node
	refBin  string // the real crictl
	oursBin string // a `crictl` symlink to bin/ctr
	ctrBin  string // bin/ctr
	scratch string // per-run directories, config file
	cfgFile string // CRI_CONFIG_FILE both binaries get
	skipWhy string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if scratch, err = os.MkdirTemp("", "compat-"); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		return 1
	}
	defer os.RemoveAll(scratch)
	return devnode.RunSuite(m, "compat", &skipWhy, func() (*devnode.Node, error) {
		err := setup()
		return node, err
	})
}

// setup finds both binaries and starts the node. The real crictl comes from
// `make crictl` (CRICTL_BIN overrides), ours from CTR_BIN or a fresh build.
func setup() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to run containerd")
	}
	repo, err := devnode.RepoRoot()
	if err != nil {
		return err
	}
	if refBin = os.Getenv("CRICTL_BIN"); refBin == "" {
		refBin = filepath.Join(repo, "_build", "bin", "crictl")
	}
	if _, err := os.Stat(refBin); err != nil {
		return fmt.Errorf("real crictl: %v (make crictl)", err)
	}
	if ctrBin, err = devnode.CtrBinary(repo); err != nil {
		return err
	}
	if refBin, err = filepath.Abs(refBin); err != nil {
		return err
	}
	oursBin = filepath.Join(scratch, "bin", "crictl")
	if err := os.MkdirAll(filepath.Dir(oursBin), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(ctrBin, oursBin); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if node, err = devnode.Start(ctx, devnode.Options{Repo: repo}); err != nil {
		return err
	}
	// timeout: 20 keeps a busy 2-core machine from failing either binary on
	// crictl's default 2 s.
	cfgFile = filepath.Join(scratch, "crictl.yaml")
	cfg := fmt.Sprintf("runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 20\n", node.Socket, node.Socket)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		return err
	}
	return makeExeDirs()
}
