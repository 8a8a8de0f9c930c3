package cricli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	ctrdversion "github.com/containerd/containerd/v2/version"
	"github.com/urfave/cli/v3"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/ctrcri/ctrcri/pkg/criconfig"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// The crictl personality is ctr cri under crictl's name: the same commands,
// flags and documents, and crictl's own contract wherever only the name is
// at stake — help text, flag names in hints, exit codes, help instead of an
// error for a wrong argument count. Every difference from ctr cri lives in
// this file; docs/migrating-from-crictl.md lists them.

// crictlShowsHelp holds, per command, crictl's test for "print the help on
// stdout and exit 0" (cri-tools v1.37.0). Under ctr cri the same command
// lines are usage errors (exit 2).
var crictlShowsHelp = map[string]func(*cli.Command) bool{
	"attach":                func(c *cli.Command) bool { return c.NArg() > 1 && c.Args().First() != "" },
	"completion":            func(c *cli.Command) bool { return c.NArg() > 1 },
	"config":                func(c *cli.Command) bool { return c.NArg() == 0 && !anySet(c, "get", "set", "list") },
	"create":                func(c *cli.Command) bool { return c.NArg() != 3 },
	"events":                func(c *cli.Command) bool { return c.NArg() != 0 },
	"exec":                  func(c *cli.Command) bool { return c.NArg() < 1 || c.NArg() < 2 && !anySet(c, filterNames...) },
	"images":                func(c *cli.Command) bool { return c.NArg() > 1 },
	"info":                  func(c *cli.Command) bool { return c.NArg() != 0 },
	"logs":                  func(c *cli.Command) bool { return c.NArg() > 1 },
	"metricdescs":           func(c *cli.Command) bool { return c.NArg() > 0 },
	"metricsp":              func(c *cli.Command) bool { return c.NArg() > 0 },
	"port-forward":          func(c *cli.Command) bool { return c.NArg() < 2 },
	"ps":                    func(c *cli.Command) bool { return c.NArg() != 0 },
	"pull":                  func(c *cli.Command) bool { return c.NArg() > 1 },
	"rm":                    func(c *cli.Command) bool { return c.NArg() == 0 && !anySet(c, "all") },
	"rmi":                   func(c *cli.Command) bool { return c.NArg() == 0 && !anySet(c, "all", "prune") },
	"rmp":                   func(c *cli.Command) bool { return c.NArg() == 0 && !anySet(c, "all") },
	"run":                   func(c *cli.Command) bool { return c.NArg() != 2 },
	"runp":                  func(c *cli.Command) bool { return c.NArg() != 1 },
	"stopp":                 func(c *cli.Command) bool { return c.NArg() == 0 && !anySet(c, "all") },
	"update-runtime-config": func(c *cli.Command) bool { return c.NArg() != 0 || !anySet(c, "pod-cidr") },
	"version":               func(c *cli.Command) bool { return c.NArg() != 0 },
}

// crictlFormats are -o lists crictl's personality keeps as crictl's where
// ours accepts more and the difference would change what a script gets:
// crictl's events refuses -o table (exit 1), where ours would stream lines.
var crictlFormats = map[string][]string{
	"events": {printer.JSON, printer.YAML, printer.GoTemplate},
}

// filterNames are exec's container filters: with one of them, exec needs
// no CONTAINER argument.
var filterNames = []string{"id", "name", "pod", "pod-name", "namespace", "image", "state", "label", "latest", "last"}

func anySet(c *cli.Command, names ...string) bool {
	for _, n := range names {
		if hasFlag(c, n) && c.IsSet(n) {
			return true
		}
	}
	return false
}

// ctrOnlyFlags are flags of guards the crictl personality does not have:
// there the flag would be a no-op, so crictl's "not defined" is the answer.
var ctrOnlyFlags = map[string][]string{"rmi": {flagForce}}

// crictlize turns a fresh ctr cri tree into crictl's.
func crictlize(root *cli.Command) {
	root.Name = "crictl"
	root.Usage = "client for CRI"
	root.UsageText = "crictl [global options] command [command options]"
	root.Description = ""
	root.Version = clientVersion()
	root.EnableShellCompletion = true
	root.Action = unknownSubcommand
	for _, f := range root.Flags {
		switch f := f.(type) {
		case *cli.IntFlag:
			if f.Name == flagMaxRetries {
				f.Value = crictlMaxRetries
			}
		case *cli.StringFlag:
			if f.Name == "runtime-endpoint" {
				f.Usage = "CRI runtime endpoint (unix:///path or /path) [$CONTAINER_RUNTIME_ENDPOINT]; default: " + DefaultEndpoint
			}
		}
	}
	crictlUsageErrors(root)
	// crictl lists its commands in one alphabetical list, without categories.
	slices.SortFunc(root.Commands, func(a, b *cli.Command) int { return strings.Compare(a.Name, b.Name) })
	for _, sub := range root.Commands {
		sub.Category = ""
		renameUsage(sub)
		if f, ok := crictlFormats[sub.Name]; ok {
			setFormats(sub, f)
		}
		if drop := ctrOnlyFlags[sub.Name]; drop != nil {
			sub.Flags = slices.DeleteFunc(sub.Flags, func(f cli.Flag) bool { return slices.Contains(drop, f.Names()[0]) })
		}
		if test, ok := crictlShowsHelp[sub.Name]; ok && sub.Action != nil {
			sub.Action = helpWhen(test, sub.Action)
		}
		if words, ok := crictlWords[sub.Name]; ok && sub.Action != nil {
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
		if isValidatorError(err) {
			return flagUsageError(err)
		}
		fmt.Fprintf(c.Root().Writer, "Incorrect Usage: %s\n\n", printer.Escape(err.Error()))
		if herr := cli.ShowSubcommandHelp(c); herr != nil {
			return herr
		}
		return flagUsageError(err)
	}
	for _, sub := range cmd.Commands {
		crictlUsageErrors(sub)
	}
}

// crictlWords rephrases, per command, the errors crictl words differently
// and its own suite matches on: events checks -o and --template before it
// connects, in crictl's words.
var crictlWords = map[string]func(error) error{
	"events": func(err error) error {
		var fe *printer.FormatError
		var te *printer.TemplateError
		switch {
		case errors.As(err, &fe):
			return fmt.Errorf("don't support %q format: use one of %s", fe.Format, strings.Join(fe.Allowed, ", "))
		case errors.As(err, &te) && te.Format == printer.GoTemplate:
			return fmt.Errorf("failed to parse go-template: %w", te.Err)
		}
		return err
	},
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
	case ExitCode(err) == ExitOK:
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
			if cmd.Root().Name == "crictl" {
				fmt.Fprintf(cmd.Root().Writer, "crictl version %s\n", cmd.Root().Version)
				return
			}
			if cmd.Root().Command("cri") != nil {
				// One version for the binary (ctr cri version and diagnose
				// report the same), then the containerd it was built from.
				fmt.Fprintf(cmd.Root().Writer, "ctr version %s (%s %s)\n", clientVersion(), ctrdversion.Package, ctrdversion.Version)
				return
			}
			prev(cmd)
		}
	})
}

type crictlKey struct{}

// crictlContext marks ctx for the few results that differ by personality
// (version prints no client line under crictl, as crictl).
func crictlContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, crictlKey{}, true)
}

func isCrictlContext(ctx context.Context) bool {
	v, _ := ctx.Value(crictlKey{}).(bool)
	return v
}

// stopUnknownAsCrictl gives stop and stopp crictl's answer to an ID that
// matches nothing: under crictl the runtime is asked anyway, and containerd
// reports success for an unknown ID, so crictl prints it and exits 0 (C15).
// The crictl personality prints it without the call; ctr cri keeps the
// not-found error.
func stopUnknownAsCrictl(cmd *cli.Command, ids []string, failed []error, op func(context.Context, string) error) ([]string, []error, func(context.Context, string) error) {
	if !isCrictl(cmd) {
		return ids, failed, op
	}
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	var still []error
	for _, err := range failed {
		var e *runtime.Error
		if errors.As(err, &e) && e.Kind == runtime.KindNotFound && e.ID != "" && !known[e.ID] {
			ids = append(ids, e.ID)
			continue
		}
		still = append(still, err)
	}
	return ids, still, func(ctx context.Context, id string) error {
		if !known[id] {
			return nil
		}
		return op(ctx, id)
	}
}

// configOptions: crictl ignores unknown fields in pod and container
// configs (C14); its personality warns on stderr and goes on, while ctr
// cri refuses the file.
func configOptions(cmd *cli.Command) []criconfig.ConfigOptions {
	if !isCrictl(cmd) {
		return nil
	}
	w := cmd.Root().ErrWriter
	return []criconfig.ConfigOptions{{Unknown: func(e *criconfig.ConfigError) {
		fmt.Fprintf(w, "crictl: warning: %s (ignored)\n", printer.Escape(e.Error()))
	}}}
}

// crictlIgnoresArgs: crictl's pods, runtime-config and imagefsinfo take
// no arguments and ignore any they are given (X03, C05); ctr cri calls them
// a usage error.
func crictlIgnoresArgs(cmd *cli.Command) bool {
	switch cmd.Name {
	case "pods", "runtime-config", "imagefsinfo":
		return isCrictl(cmd)
	}
	return false
}

// configEdit is how config --set (and config KEY VALUE) changes the file:
// ctr cri edits the keys given and nothing else; crictl rewrites every one
// of its keys (editAllKeys).
func configEdit(cmd *cli.Command) func(*configDoc, [][2]string) error {
	if isCrictl(cmd) {
		return editAllKeys
	}
	return editKeys
}

// editAllKeys is crictl's config --set: it reads the file's values, applies
// the changes, and writes all seven keys back in crictl's order — every
// occurrence of a key takes the value the loader reads (the last), keys the
// file lacks are appended. A value keeps its node's style (quotes) and
// comments, as crictl keeps them. A value crictl could not read (timeout:
// soon) is an error before anything is written, as crictl's is.
func editAllKeys(d *configDoc, sets [][2]string) error {
	values := map[string]string{}
	for _, k := range configKeys {
		vs := d.values(k.name)
		if len(vs) == 0 {
			values[k.name] = k.def
			continue
		}
		v, err := k.normalize(vs[len(vs)-1].Value)
		if err != nil {
			return fmt.Errorf("config %s: %w", d.path, errors.Unwrap(err))
		}
		values[k.name] = v
	}
	for _, kv := range sets {
		k, err := findConfigKey(kv[0])
		if err != nil {
			return err
		}
		if values[k.name], err = k.normalize(kv[1]); err != nil {
			return err
		}
	}
	d.unalias()
	for _, k := range configKeys {
		v := values[k.name]
		found := false
		for i := 0; i+1 < len(d.top.Content); i += 2 {
			if d.top.Content[i].Value != k.name {
				continue
			}
			found = true
			n := d.top.Content[i+1]
			keep := n.Kind == yaml3.ScalarNode && n.Anchor == "" && (n.Tag == k.tag || n.Tag == "!!str")
			if !keep {
				// Another type (null, a list) or an anchor others may name:
				// a plain value of the key's type, comments kept.
				n = &yaml3.Node{Kind: yaml3.ScalarNode, Tag: k.tag, HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment}
				d.top.Content[i+1] = n
			}
			n.Value = v
		}
		if !found {
			d.top.Content = append(d.top.Content,
				&yaml3.Node{Kind: yaml3.ScalarNode, Tag: "!!str", Value: k.name},
				&yaml3.Node{Kind: yaml3.ScalarNode, Tag: k.tag, Value: v})
		}
	}
	return nil
}
