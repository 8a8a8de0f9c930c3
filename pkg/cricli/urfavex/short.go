package urfavex

import (
	"slices"

	"github.com/urfave/cli/v3"
)

// combinedShortOptions are the commands on which crictl accepts combined
// short options (ps -aq, rm -af, images -qv, ps -an 2), plus the
// jsonschema subcommands of create and run (create js -pc).
var combinedShortOptions = []string{
	"attach", "checkpoint", "config", "events", "exec", "imagefsinfo", "images", "info", "inspecti",
	"inspectp", "logs", "metricdescs", "metricsp", "pods", "ps", "pull", "rm", "rmi", "rmp",
	"runtime-config", "stats", "statsp", "stop", "update-runtime-config",
}

// ShortOptions turns on combined short options (ps -aq) where crictl accepts
// them.
func ShortOptions(cri *cli.Command) {
	for _, c := range cri.Commands {
		if slices.Contains(combinedShortOptions, c.Name) {
			c.UseShortOptionHandling = true
		}
		if c.Name == "create" || c.Name == "run" {
			for _, sub := range c.Commands {
				if sub.Name == "jsonschema" {
					sub.UseShortOptionHandling = true
				}
			}
		}
	}
}
