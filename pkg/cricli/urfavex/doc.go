// Package urfavex patches urfave/cli for the cri tree: global flags after the
// subcommand, glued -oFORMAT, combined short options and tidy flag errors.
package urfavex
