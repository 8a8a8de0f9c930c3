package crisuite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// What both runs share; see setup.
var (
	repo         string
	suiteBin     string // cri-tools' test/e2e compiled (make crisuite)
	refBin       string // the real crictl (make crictl)
	oursBin      string // a `crictl` symlink to bin/ctr
	scratch      string
	registryHost string // host:port of the test's registry
	skipWhy      string
	keepScratch  bool // a run failed: its logs are kept for whoever reads the failure
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

// runMain starts no node itself (each run starts its own fresh one), so it
// does not use devnode.RunSuite; it keeps its rule: without root or the
// built pieces the test skips, unless CTRCRI_E2E=required.
func runMain(m *testing.M) int {
	stop, err := setup()
	if stop != nil {
		defer stop()
	}
	if err != nil {
		if devnode.Required() {
			fmt.Fprintf(os.Stderr, "crisuite: FAIL: %v\n(%s=required: crictl's suite must run; unset it to skip instead)\n", err, devnode.EnvE2E)
			return 1
		}
		skipWhy = err.Error()
		fmt.Fprintf(os.Stderr, "crisuite: skipping: %v\n", err)
	}
	return m.Run()
}

func setup() (func(), error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("needs root to run containerd")
	}
	var err error
	if repo, err = devnode.RepoRoot(); err != nil {
		return nil, err
	}
	if _, err := devnode.FindBuild(repo); err != nil {
		return nil, err
	}
	if suiteBin = os.Getenv("CRISUITE_BIN"); suiteBin == "" {
		return nil, fmt.Errorf("CRISUITE_BIN is not set: run make test-crisuite (it builds crictl's suite)")
	}
	if refBin = os.Getenv("CRICTL_BIN"); refBin == "" {
		refBin = filepath.Join(repo, "_build", "bin", "crictl")
	}
	for _, p := range []*string{&suiteBin, &refBin} {
		if *p, err = filepath.Abs(*p); err != nil {
			return nil, err
		}
		if _, err := os.Stat(*p); err != nil {
			return nil, fmt.Errorf("%v (make crictl crisuite)", err)
		}
	}
	ctrBin, err := devnode.CtrBinary(repo)
	if err != nil {
		return nil, err
	}
	if scratch, err = os.MkdirTemp("", "crisuite-"); err != nil {
		return nil, err
	}
	cleanup := func() {
		if keepScratch {
			fmt.Fprintf(os.Stderr, "crisuite: kept %s (suite.log and report.json of each run)\n", scratch)
			return
		}
		os.RemoveAll(scratch)
	}
	oursBin = filepath.Join(scratch, "bin", "crictl")
	if err := os.MkdirAll(filepath.Dir(oursBin), 0o755); err != nil {
		return cleanup, err
	}
	if err := os.Symlink(ctrBin, oursBin); err != nil {
		return cleanup, err
	}
	specs, err := suiteImages()
	if err != nil {
		return cleanup, err
	}
	host, stopRegistry, err := serveImages(specs)
	if err != nil {
		return cleanup, err
	}
	registryHost = host
	return func() { stopRegistry(); cleanup() }, nil
}
