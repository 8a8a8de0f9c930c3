package cricli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	ctrdversion "github.com/containerd/containerd/v2/version"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/urfavex"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// The crictl personality is ctr cri under crictl's name: the same commands,
// flags and documents, and crictl's own contract wherever only the name is
// at stake — help text, flag names in hints, exit codes, help instead of an
// error for a wrong argument count. Every difference from ctr cri lives in
// this file; docs/migrating-from-crictl.md lists them.

// IsCrictl reports whether argv[0] asks for the crictl personality.
func IsCrictl(argv0 string) bool {
	base := filepath.Base(argv0)
	return base == "crictl" || strings.HasPrefix(base, "crictl.")
}

// crictlize turns a fresh ctr cri tree into crictl's.
func crictlize(root *cli.Command) {
	cmdutil.SessionOf(root).SetPersonality(cmdutil.Crictl())
	root.Name = "crictl"
	root.Usage = "client for CRI"
	root.UsageText = "crictl [global options] command [command options]"
	root.Description = ""
	root.Version = cmdutil.ClientVersion()
	root.EnableShellCompletion = true
	root.Action = unknownSubcommand
	for _, f := range root.Flags {
		switch f := f.(type) {
		case *cli.IntFlag:
			if f.Name == cmdutil.FlagMaxRetries {
				f.Value = cmdutil.CrictlMaxRetries
			}
		case *cli.StringFlag:
			if f.Name == "runtime-endpoint" {
				f.Usage = "CRI runtime endpoint (unix:///path or /path) [$CONTAINER_RUNTIME_ENDPOINT]; default: " + cmdutil.DefaultEndpoint
			}
		}
	}
	crictlUsageErrors(root)
	// crictl lists its commands in one alphabetical list, without categories.
	slices.SortFunc(root.Commands, func(a, b *cli.Command) int { return strings.Compare(a.Name, b.Name) })
	for _, sub := range root.Commands {
		sub.Category = ""
		renameUsage(sub)
		spec := cmdutil.CrictlSpecOf(sub)
		if f := spec.Formats; f != nil {
			cmdutil.SetFormats(sub, f)
		}
		if drop := spec.DropFlags; drop != nil {
			sub.Flags = slices.DeleteFunc(sub.Flags, func(f cli.Flag) bool { return slices.Contains(drop, f.Names()[0]) })
		}
		if test := cmdutil.ArgSpecOf(sub).CrictlHelp; test != nil && sub.Action != nil {
			sub.Action = helpWhen(test, sub.Action)
		}
		if words := spec.Words; words != nil && sub.Action != nil {
			sub.Action = inWords(words, sub.Action)
		}
	}
}

// crictlUsageErrors: for a flag it cannot parse, crictl prints "Incorrect
// Usage: …" and the command's help on stdout, then the error on stderr
// (exit 1); crictl's own suite looks for both. A value our validators
// refuse (ps --state bogus) crictl checks after parsing: the error line
// alone, as there. ctr cri prints the one error line.
func crictlUsageErrors(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, c *cli.Command, err error, _ bool) error {
		if urfavex.IsValidatorError(err) {
			return cmdutil.FlagUsageError(err)
		}
		fmt.Fprintf(cmdutil.Stdout(c), "Incorrect Usage: %s\n\n", printer.Escape(err.Error()))
		if herr := cli.ShowSubcommandHelp(c); herr != nil {
			return herr
		}
		return cmdutil.FlagUsageError(err)
	}
	for _, sub := range cmd.Commands {
		crictlUsageErrors(sub)
	}
}

func inWords(words func(error) error, action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		return words(action(ctx, cmd))
	}
}

// renameUsage rewrites "ctr cri X" into "crictl X" in a command's help.
func renameUsage(cmd *cli.Command) {
	cmd.UsageText = strings.ReplaceAll(cmd.UsageText, "ctr cri ", "crictl ")
	cmd.Description = strings.NewReplacer("ctr cri ", "crictl ", "completions/ctr.fish", "completions/crictl.fish").Replace(cmd.Description)
	for _, sub := range cmd.Commands {
		renameUsage(sub)
	}
}

func helpWhen(test func(*cli.Command) bool, action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if test(cmd) {
			return cli.ShowSubcommandHelp(cmd)
		}
		return action(ctx, cmd)
	}
}

// crictlExitCode is crictl's contract: 1 for every failure, 3 for an
// unknown command or help topic.
func crictlExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case isHelpTopicError(err):
		return 3
	case cmdutil.ExitCode(err) == cmdutil.ExitOK:
		return ExitOK
	}
	return ExitFailed
}

// isHelpTopicError is urfave's "No help topic for 'X'" (`help X`, `ctr X`
// for an unknown X), which urfave gives exit code 3.
func isHelpTopicError(err error) bool {
	var ec cli.ExitCoder
	return errors.As(err, &ec) && ec.ExitCode() == 3 && strings.HasPrefix(err.Error(), "No help topic for ")
}

// helpTopicError is crictl's answer to an unknown command.
func helpTopicError(name string) error {
	return cli.Exit(fmt.Sprintf("No help topic for '%s'", name), 3)
}

var versionPrinterOnce sync.Once

// crictlVersionPrinter prints `crictl version V` under crictl's name and
// leaves ctr's own version line alone.
func installVersionPrinter() {
	versionPrinterOnce.Do(func() {
		prev := cli.VersionPrinter
		cli.VersionPrinter = func(cmd *cli.Command) {
			if cmdutil.PersonalityOf(cmd.Root()).Standalone {
				fmt.Fprintf(cmdutil.Stdout(cmd), "crictl version %s\n", cmd.Root().Version)
				return
			}
			if cmd.Root().Command("cri") != nil {
				// One version for the binary (ctr cri version and diagnose
				// report the same), then the containerd it was built from.
				fmt.Fprintf(cmdutil.Stdout(cmd), "ctr version %s (%s %s)\n", cmdutil.ClientVersion(), ctrdversion.Package, ctrdversion.Version)
				return
			}
			prev(cmd)
		}
	})
}
