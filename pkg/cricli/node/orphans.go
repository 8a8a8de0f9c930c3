package node

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewOrphansCommand returns a fresh "orphans" command: list containerd
// containers, tasks and sandboxes CRI does not know, and CRI objects whose
// containerd side is gone.
func NewOrphansCommand() *cli.Command {
	return &cli.Command{
		Name:  "orphans",
		Usage: "List containerd containers, tasks and sandboxes CRI does not know, and CRI objects whose containerd side is gone",
		Description: `Compares CRI's containers and pods with containerd's records in CRI's namespace
(k8s.io). Kinds: containerd-container, containerd-task, containerd-sandbox (no
CRI object has that ID) and cri-container, cri-pod (CRI lists it, but containerd
has no container, or no live task although CRI says running/ready).

-o wide adds the command that removes each one (ctr -n k8s.io containers rm,
tasks rm -f, sandboxes rm -f; ctr cri rm -f or rmp -f for CRI's records).

Listing orphans is not a failure: the exit code is 0 whatever is found; use
-o json and check .orphans in scripts (an empty list is [], never null). A container being created or removed
at that very moment can show up once: run again to confirm.`,
		Category: cmdutil.CatContainerd,
		Flags:    []cli.Flag{cmdutil.OutputFlag(printer.Table, printer.ListFormats), cmdutil.TemplateFlag(), cmdutil.NoHeadersFlag(), cmdutil.QuietFlag("orphan"), cmdutil.NoTruncFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				rep, err := ctrd.Orphans(ctx, c, cmdutil.ContainerdFor(cmd, c))
				if err != nil {
					return err
				}
				return p.Print(cmdutil.Stdout(cmd), views.Orphans(rep))
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{},
			cmdutil.Ex("List containerd objects CRI lost track of, and CRI objects whose containerd task is gone",
				"ctr cri orphans"),
			cmdutil.Ex("Their IDs for a script ([] on a clean node)",
				"ctr cri orphans -o json | jq -r '.orphans[].id'"),
			cmdutil.Ex("With the command that removes each one",
				"ctr cri orphans -o wide"),
		),
	}
}
