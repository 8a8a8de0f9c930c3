package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v3"
)

// needsCRI reports whether the command line (after argv[0]) may reach the
// cri tree: its help, its completion, a suggestion for a mistyped command,
// or one of its commands. Only `ctr --version` and upstream's own commands
// are known not to, and they skip building the tree: that was 1.6M of the
// 15.0M instructions and 0.7 MiB of the peak RSS of `ctr --version`.
// Anything it cannot tell (an unknown flag, "--", help) builds the tree.
func needsCRI(root *cli.Command, args []string) bool {
	version := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			return true
		}
		if !strings.HasPrefix(a, "-") {
			if a == "cri" || a == "help" || a == "h" {
				return true
			}
			return !slices.ContainsFunc(root.Commands, func(c *cli.Command) bool { return c.HasName(a) })
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := flagNamed(root, name)
		switch {
		case f != nil:
			if tv, ok := f.(interface{ TakesValue() bool }); ok && tv.TakesValue() && !hasValue {
				i++ // its value
			}
		case slices.Contains(cli.VersionFlag.Names(), name) && (!hasValue || value == "true"):
			version = true
		default:
			return true // help, completion, or a flag ctr does not have
		}
	}
	// No command: the version, or else the root's help, which lists cri.
	return !version
}

func flagNamed(root *cli.Command, name string) cli.Flag {
	for _, f := range root.Flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// withCRIStub adds a hidden, empty "cri" to a root that runs without the
// tree, so that what looks for it finds it (the version line names this
// build when cri is there) and the root is set up as with the tree.
func withCRIStub(root *cli.Command) *cli.Command {
	root.Commands = append(root.Commands, &cli.Command{Name: "cri", Hidden: true})
	return root
}
