package cricli

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/containerd/log"
	"github.com/urfave/cli/v3"
)

// F17: what the containerd client logs while a command fails (load's
// "apply failure, attempting cleanup") must not add lines to the one
// "ctr:" line; ctr --debug keeps them.
func TestContainerdClientLogStaysOffStderr(t *testing.T) {
	var logged bytes.Buffer
	out := log.L.Logger.Out
	log.L.Logger.SetOutput(&logged)
	t.Cleanup(func() { log.L.Logger.SetOutput(out) })

	for _, debug := range []bool{false, true} {
		logged.Reset()
		root := ctrRoot()
		for _, c := range root.Commands {
			if c.Name == "cri" {
				c.Commands = append(c.Commands, &cli.Command{Name: "unpack-fails", Action: func(ctx context.Context, _ *cli.Command) error {
					log.G(ctx).WithError(errors.New("failed to extract layer")).Info("apply failure, attempting cleanup")
					return errors.New("unpack failed")
				}})
			}
		}
		argv := []string{"ctr", "cri", "unpack-fails"}
		if debug {
			argv = []string{"ctr", "--debug", "cri", "unpack-fails"}
		}
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), root, argv, &stdout, &stderr)
		if code != 1 || stderr.String() != "ctr: unpack failed\n" {
			t.Errorf("debug=%v: exit %d stderr %q, want 1 and one line", debug, code, stderr.String())
		}
		if got := logged.String(); !debug && got != "" {
			t.Errorf("the containerd client's log line reached stderr: %q", got)
		} else if debug && got == "" {
			t.Errorf("with ctr --debug the containerd client's log line is gone")
		}
	}
}
