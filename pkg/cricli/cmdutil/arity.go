package cmdutil

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
)

// CheckArgs is the arity check of cmd's declaration (About): a usage error
// when cmd got fewer arguments than Min or more than MaxArgs, naming them
// as the synopsis does. Under a personality that ignores a command's
// arguments (CrictlSpec.IgnoreArgs) any number passes.
func CheckArgs(cmd *cli.Command) error {
	s := ArgSpecOf(cmd)
	n, most := cmd.NArg(), s.MaxArgs()
	if n >= s.Min && (most == ArgsMany || n <= most) || crictlIgnoresArgs(cmd) {
		return nil
	}
	takes := "no arguments"
	if most != 0 {
		takes = s.ArgWords()
	}
	return UsageErrorf("%s takes %s, got %s", commandPath(cmd), takes, countOf(n, "argument"))
}

// CheckArity makes CheckArgs the first step of the action of every command
// below cmd that declares its arguments, except where its flags decide
// (ByFlags). The tree's assembly calls it once, before the crictl
// personality puts its help-on-wrong-arity in front.
func CheckArity(cmd *cli.Command) {
	for _, sub := range cmd.Commands {
		CheckArity(sub)
		if _, declared := sub.Metadata[metaArgs]; !declared || sub.Action == nil || ArgSpecOf(sub).ByFlags {
			continue
		}
		action := sub.Action
		sub.Action = func(ctx context.Context, c *cli.Command) error {
			if err := CheckArgs(c); err != nil {
				return err
			}
			return action(ctx, c)
		}
	}
}

// Synopsis is the usage line of a command that takes arguments, as its
// declaration names them: full, the command line that invokes it ("ctr cri
// logs"), then "[options]" and ArgWords; "" for a command that takes none.
func Synopsis(cmd *cli.Command, full string) string {
	if words := ArgSpecOf(cmd).ArgWords(); words != "" {
		return full + " [options] " + words
	}
	return ""
}

// FillSynopses gives every command below cmd (invoked as full) that takes
// arguments and has no usage line of its own its Synopsis; the others keep
// urfave/cli's.
func FillSynopses(cmd *cli.Command, full string) {
	for _, sub := range cmd.Commands {
		path := full + " " + sub.Name
		FillSynopses(sub, path)
		if sub.UsageText == "" {
			sub.UsageText = Synopsis(sub, path)
		}
	}
}

// commandPath names cmd as typed after cri: "logs", "create jsonschema".
func commandPath(cmd *cli.Command) string {
	cri := CriCommand(cmd)
	var names []string
	for _, c := range cmd.Lineage() {
		if c == cri {
			break
		}
		names = append(names, c.Name)
	}
	slices.Reverse(names)
	return strings.Join(names, " ")
}

// countOf is "1 argument", "2 arguments".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
