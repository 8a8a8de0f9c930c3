package cricli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

func newDiagnoseCommand() *cli.Command {
	return &cli.Command{
		Name:  "diagnose",
		Usage: "Report on the node in one go: versions, conditions, CRI config, image fs, failing pods and containers, orphans",
		Description: `One read-only report for people (table) or scripts (-o json|yaml, schema
ctrcri.diagnose/v1, see docs/diagnose.md). It makes a fixed set of RPCs plus at
most --details ContainerStatus calls, and bounds every list, so it is safe to
run on many nodes at once. Run it on the node: it reads container log files and
filesystem capacity locally.

Exit codes: 0 healthy (warnings allowed), 1 problems of severity error found,
3 the runtime cannot be reached.`,
		Category: catContainerd,
		Flags: []cli.Flag{
			outputFlag(printer.Table, printer.DiagnoseFormats), templateFlag(),
			&cli.IntFlag{Name: "details", Value: runtime.DefaultDiagnoseDetails, Usage: "containers examined in detail (exit code, reason, log lines): one ContainerStatus call each"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			if cmd.Int("details") < 0 {
				return usageErrorf("invalid --details %d: must not be negative", cmd.Int("details"))
			}
			p, err := newPrinter(cmd, printer.DiagnoseFormats)
			if err != nil {
				return err
			}
			return withClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				now := clock(cmd)
				rep, err := c.Diagnose(ctx, containerdFor(cmd, c), runtime.DiagnoseOptions{
					ClientVersion: clientVersion(), Details: cmd.Int("details"), Now: now})
				if err != nil {
					return err
				}
				if err := p.Print(cmd.Root().Writer, printer.Diagnose(rep, now)); err != nil {
					return err
				}
				if !rep.Healthy {
					return &problemsFound{n: rep.Errors()}
				}
				return nil
			})
		},
	}
}

// problemsFound is diagnose's verdict on an unhealthy node: exit 1 with a
// one-line summary, the report itself being on stdout.
type problemsFound struct{ n int }

func (p *problemsFound) Error() string {
	if p.n == 1 {
		return "diagnose: 1 problem found"
	}
	return fmt.Sprintf("diagnose: %d problems found", p.n)
}

func (p *problemsFound) ExitCode() int { return ExitFailed }
