package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// README's first command works: `make demo` starts a dev node of its own,
// runs the sample pod through ctr cri and shows it running. It broke
// unnoticed when run began pulling by default (its image is imported
// offline); nothing ran it.
func TestMakeDemo(t *testing.T) {
	testNode(t) // the suite's node proves the machine can run one
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := fmt.Sprintf("/run/ctrcri-demo-%d", os.Getpid())
	makeTarget := func(target string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", repo, target, "DEV_DIR="+dir)
		// Not a sub-make of the make running these tests.
		cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=", "MFLAGS=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := makeTarget("down"); err != nil {
			t.Errorf("make down: %v\n%s", err, out)
		}
	})
	out, err := makeTarget("demo")
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	_, ps, _ := strings.Cut(out, "+ ctr cri ps\n")
	if !regexp.MustCompile(`(?m)^[0-9a-f]{13} .*\bRunning\b.*\bdemo\b`).MatchString(ps) {
		t.Errorf("make demo should end with the demo container running in ctr cri ps:\n%s", out)
	}
	if !strings.Contains(out, "export CONTAINERD_ADDRESS="+dir+"/") {
		t.Errorf("make demo should say how to point a shell at its node:\n%s", out)
	}
	// A second run keeps the pod it finds.
	if out, err := makeTarget("demo"); err != nil || strings.Contains(out, "+ ctr cri run") {
		t.Errorf("second make demo: %v\n%s", err, out)
	}
}
