package node

import (
	"context"
	"net"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewUpdateRuntimeConfigCommand returns a fresh "update-runtime-config"
// command: update the runtime configuration (the pod CIDR).
func NewUpdateRuntimeConfigCommand() *cli.Command {
	return &cli.Command{
		Name:                   "update-runtime-config",
		UseShortOptionHandling: true,
		Usage:                  "Update the runtime configuration (the pod CIDR)",
		UsageText:              "ctr cri update-runtime-config --pod-cidr CIDR[,CIDR]",
		Category:               cmdutil.CatInfo,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "pod-cidr", Aliases: []string{"p"}, Usage: "pod IP range(s), comma-separated for dual stack; \"\" clears it"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if !cmd.IsSet("pod-cidr") {
				return cmdutil.UsageErrorf("update-runtime-config needs --pod-cidr")
			}
			cidr := cmd.String("pod-cidr")
			if cidr != "" {
				for c := range strings.SplitSeq(cidr, ",") {
					if _, _, err := net.ParseCIDR(c); err != nil {
						return cmdutil.UsageErrorf("invalid --pod-cidr %q: %q is not a CIDR such as 10.88.0.0/16", cidr, c)
					}
				}
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				return c.UpdatePodCIDR(ctx, cidr)
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{
			CrictlHelp: func(c *cli.Command) bool { return c.NArg() != 0 || !cmdutil.AnySet(c, "pod-cidr") }},
			cmdutil.Ex("Hand the runtime the node's pod IP ranges (dual stack)",
				"ctr cri update-runtime-config --pod-cidr 10.88.0.0/16,fd00::/64"),
		),
	}
}
