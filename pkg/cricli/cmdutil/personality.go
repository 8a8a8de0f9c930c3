package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/criconfig"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Personality is how the tree answers under its name: ctr cri's own
// contract, or crictl's wherever only the name is at stake. Every
// difference a command makes by personality is one named field here (the
// tree-wide ones, help and exit codes, are applied where the tree is
// assembled); docs/migrating-from-crictl.md lists them.
type Personality struct {
	// Prog is how a command line starts: "ctr cri" or "crictl".
	Prog string
	// Standalone: the tree is its own root, with no ctr above it (no ctr
	// flags, crictl's help and exit codes).
	Standalone bool
	// Hints name the flags a connection error suggests (nil: ctr's).
	Hints *runtime.Hints
	// LatestWins: --latest with --last is --latest (ctr cri: a usage error).
	LatestWins bool
	// LenientPod: a --pod that names no pod selects nothing, as crictl's
	// runtime-side filter (ctr cri: not found).
	LenientPod bool
	// WarnUnknownConfig: unknown keys of crictl.yaml and unknown fields of
	// pod and container configs are warnings (F27, C14), not usage errors.
	WarnUnknownConfig bool
	// AnyTraceRate: --tracing-sampling-rate-per-million is passed on
	// unchecked.
	AnyTraceRate bool
	// StopUnknownSucceeds: stop and stopp print an ID that matches nothing
	// and succeed, as containerd answers crictl (C15).
	StopUnknownSucceeds bool
	// IgnoreExtraArgs: commands that declare CrictlSpec.IgnoreArgs ignore
	// arguments instead of refusing them.
	IgnoreExtraArgs bool
	// NoClientVersion: version prints the runtime's lines only.
	NoClientVersion bool
	// InspectWithoutPod: inspect's table has no pod line.
	InspectWithoutPod bool
	// TailStreamRefused: logs refuses --tail with --stream.
	TailStreamRefused bool
	// RmiInUse: rmi removes images that containers use, without --force.
	RmiInUse bool
	// HelpWhenNothingFound: an inspect that finds nothing shows the help.
	HelpWhenNothingFound bool
	// EditAllConfigKeys: config --set rewrites every crictl key.
	EditAllConfigKeys bool
	// HelpTopicForUnknown: an unknown command is crictl's "No help topic".
	HelpTopicForUnknown bool
}

// CtrCri is ctr cri's personality.
func CtrCri() Personality { return Personality{Prog: "ctr cri"} }

// Crictl is the personality of the tree called as crictl.
func Crictl() Personality {
	return Personality{
		Prog: "crictl", Standalone: true, Hints: &crictlHints,
		LatestWins: true, LenientPod: true, WarnUnknownConfig: true, AnyTraceRate: true,
		StopUnknownSucceeds: true, IgnoreExtraArgs: true, NoClientVersion: true,
		InspectWithoutPod: true, TailStreamRefused: true, RmiInUse: true,
		HelpWhenNothingFound: true, EditAllConfigKeys: true, HelpTopicForUnknown: true,
	}
}

// Typed is line (a message written for ctr cri) as this personality's users
// type its commands.
func (p Personality) Typed(line string) string {
	if p.Prog == "ctr cri" {
		return line
	}
	return strings.ReplaceAll(line, "ctr cri ", p.Prog+" ")
}

// PersonalityOf is the personality of the tree cmd belongs to.
func PersonalityOf(cmd *cli.Command) Personality { return SessionOf(cmd).personality }

// SetPersonality gives the session's tree personality p.
func (s *Session) SetPersonality(p Personality) { s.personality = p }

// StopUnknownAsCrictl gives stop and stopp crictl's answer to an ID that
// matches nothing: under crictl the runtime is asked anyway, and containerd
// reports success for an unknown ID, so crictl prints it and exits 0 (C15).
// The crictl personality prints it without the call; ctr cri keeps the
// not-found error.
func StopUnknownAsCrictl(cmd *cli.Command, ids []string, failed []error, op func(context.Context, string) error) ([]string, []error, func(context.Context, string) error) {
	if !PersonalityOf(cmd).StopUnknownSucceeds {
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
	if !PersonalityOf(cmd).WarnUnknownConfig {
		return nil
	}
	w := Stderr(cmd)
	return []criconfig.ConfigOptions{{Unknown: func(e *criconfig.ConfigError) {
		fmt.Fprintf(w, "crictl: warning: %s (ignored)\n", printer.Escape(e.Error()))
	}}}
}

// crictlIgnoresArgs: the command declared that crictl ignores its
// arguments (CrictlSpec.IgnoreArgs), and the tree is crictl's.
func crictlIgnoresArgs(cmd *cli.Command) bool {
	return CrictlSpecOf(cmd).IgnoreArgs && PersonalityOf(cmd).IgnoreExtraArgs
}

// crictlHints name crictl's flags: that personality has no ctr --address.
var crictlHints = runtime.Hints{
	Endpoint: "set --runtime-endpoint/-r or CONTAINER_RUNTIME_ENDPOINT",
	Timeout:  "--timeout/-t",
}
