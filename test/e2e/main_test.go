package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
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
	if err := setup(); err != nil {
		if devnode.Required() {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n(%s=required: a dev node must start; unset it to skip instead)\n", err, devnode.EnvE2E)
			return 1
		}
		skipWhy = err.Error()
		fmt.Fprintf(os.Stderr, "e2e: skipping: %v\n", err)
		return m.Run() // every test skips through testNode
	}

	// ^C or a kill must not leave the node behind.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		node.Stop()
		os.Exit(130)
	}()

	code := m.Run()
	if err := node.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the dev node: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
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
	if ctrBin = os.Getenv("CTR_BIN"); ctrBin == "" {
		// go build is incremental: a fresh bin/ctr costs only the link.
		ctrBin = filepath.Join(repo, "bin", "ctr")
		cmd := exec.Command("go", "build", "-o", ctrBin, "./cmd/ctr")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", ctrBin, err, out)
		}
	}
	if ctrBin, err = filepath.Abs(ctrBin); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node, err = devnode.Start(ctx, devnode.Options{Repo: repo})
	return err
}
