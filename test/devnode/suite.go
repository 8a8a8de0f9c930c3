package devnode

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
)

// RunSuite is the TestMain of a package that runs against one dev node
// (e2e, compat): setup starts the node and returns it (and returns it with
// its error when a later step fails, so it is stopped); when it cannot and a
// node is not Required, the tests run and skip themselves with the reason
// put in *skipWhy. ^C or a kill stops the node; a node that fails to stop
// fails the run. name prefixes the lines it prints.
func RunSuite(m *testing.M, name string, skipWhy *string, setup func() (*Node, error)) int {
	node, err := setup()
	if err != nil {
		if node != nil {
			_ = node.Stop() // started, but the rest of setup failed
		}
		if Required() {
			fmt.Fprintf(os.Stderr, "%s: FAIL: %v\n(%s=required: a dev node must start; unset it to skip instead)\n", name, err, EnvE2E)
			return 1
		}
		*skipWhy = err.Error()
		fmt.Fprintf(os.Stderr, "%s: skipping: %v\n", name, err)
		return m.Run()
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		_ = node.Stop()
		os.Exit(130)
	}()
	code := m.Run()
	if err := node.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: stopping the dev node: %v\n", name, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// CtrBinary is the ctr under test: CTR_BIN when set, else bin/ctr built
// fresh in repo (go build is incremental: that costs only the link). The
// path returned is absolute.
func CtrBinary(repo string) (string, error) {
	bin := os.Getenv("CTR_BIN")
	if bin == "" {
		bin = filepath.Join(repo, "bin", "ctr")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/ctr")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s: %v\n%s", bin, err, out)
		}
	}
	return filepath.Abs(bin)
}
