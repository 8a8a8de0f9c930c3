package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// The package's one dev node and binary; see setup.
var (
	node    *devnode.Node
	ctrBin  string
	skipWhy string // why there is no node, when there is none
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	return devnode.RunSuite(m, "e2e", &skipWhy, func() (*devnode.Node, error) {
		err := setup()
		return node, err
	})
}

// setup finds or builds the ctr binary and starts the dev node.
func setup() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to run containerd")
	}
	repo, err := devnode.RepoRoot()
	if err != nil {
		return err
	}
	if ctrBin, err = devnode.CtrBinary(repo); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node, err = devnode.Start(ctx, devnode.Options{Repo: repo})
	return err
}
