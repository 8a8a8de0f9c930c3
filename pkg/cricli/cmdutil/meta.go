package cmdutil

import (
	"strings"

	"github.com/urfave/cli/v3"
)

// Noun is the kind of runtime object a command or a flag names.
type Noun int

// ArgsMany in ArgSpec.Args, Files or Rest: every remaining argument.
const ArgsMany = -1

// ArgSpec is what a command's arguments are, declared by its constructor
// (About): its positional arguments, first Args objects of Noun (ArgsMany:
// all of them) then Files file names, how many it needs, and what its --id,
// --name and --state filters name. The arity check (CheckArgs), the
// synopsis, crictl's help on a wrong count and completion read it.
type ArgSpec struct {
	Noun  Noun
	State string // offer only objects in this state: a container or pod state
	Args  int
	Files int
	// Rest are the arguments after those, which complete to nothing
	// (port-forward's ports, pull's image); ArgsMany: any number.
	Rest int
	// Min is how many arguments the command needs at least.
	Min int
	// Synopsis is the arguments as the synopsis writes them ("POD
	// CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml"); "" derives them
	// from Noun, Args and Files. The arity check quotes it.
	Synopsis string
	// ByFlags: the flags decide how many arguments the command takes
	// (config --get, exec's filters), so no check runs before its action;
	// the declaration is the form without those flags, which the action
	// checks with CheckArgs.
	ByFlags bool
	// CrictlHelp is crictl's test (cri-tools v1.37.0) for printing the
	// command's help on stdout and exiting 0 instead of running it: the
	// crictl personality applies it; under ctr cri the same command lines
	// are usage errors. HelpOnArity is the test where crictl's is the
	// declared arity alone.
	CrictlHelp func(*cli.Command) bool
}

// MaxArgs is how many arguments the command takes at most (ArgsMany: no
// limit).
func (s ArgSpec) MaxArgs() int {
	if s.Args == ArgsMany || s.Files == ArgsMany || s.Rest == ArgsMany {
		return ArgsMany
	}
	return s.Args + s.Files + s.Rest
}

// ArgWords is how the synopsis and the arity check name the arguments:
// Synopsis, else "CONTAINER-ID|NAME ..." from the noun, "FILE" per file,
// in brackets when none is needed.
func (s ArgSpec) ArgWords() string {
	if s.Synopsis != "" {
		return s.Synopsis
	}
	arg := map[Noun]string{NounContainers: "CONTAINER-ID|NAME", NounPods: "POD-ID|NAME|NAMESPACE/NAME", NounImages: "IMAGE-ID|REF", NounShells: strings.Join(Shells, "|"), NounConfigKeys: "KEY VALUE"}[s.Noun]
	var w []string
	switch {
	case s.Args == ArgsMany:
		w = append(w, arg+" ...")
	case s.Args > 0:
		w = append(w, arg)
	}
	switch {
	case s.Files == ArgsMany:
		w = append(w, "FILE ...")
	case s.Files > 0:
		w = append(w, strings.TrimSpace(strings.Repeat(" FILE", s.Files)))
	}
	words := strings.Join(w, " ")
	if words != "" && s.Min == 0 {
		return "[" + words + "]"
	}
	return words
}

// HelpOnArity is a CrictlHelp: help when the arguments are fewer than Min
// or more than MaxArgs.
func HelpOnArity(c *cli.Command) bool {
	s := ArgSpecOf(c)
	n := c.NArg()
	return n < s.Min || s.MaxArgs() != ArgsMany && n > s.MaxArgs()
}

// HelpOnTooMany is a CrictlHelp: help when the arguments are more than
// MaxArgs; too few are the command's error (crictl logs, pull).
func HelpOnTooMany(c *cli.Command) bool {
	most := ArgSpecOf(c).MaxArgs()
	return most != ArgsMany && c.NArg() > most
}

// HelpWithoutArgsOr is a CrictlHelp: help when the command got no
// arguments and none of flags (rm without IDs or -a, config without KEY
// VALUE or --get, --set, --list).
func HelpWithoutArgsOr(flags ...string) func(*cli.Command) bool {
	return func(c *cli.Command) bool { return c.NArg() == 0 && !AnySet(c, flags...) }
}

// AnySet reports whether any of the named flags of c was given.
func AnySet(c *cli.Command, names ...string) bool {
	for _, n := range names {
		if HasFlag(c, n) && c.IsSet(n) {
			return true
		}
	}
	return false
}

// Keys of what constructors declare in Command.Metadata.
const (
	metaArgs     = "ctrcri.args"
	metaExamples = "ctrcri.examples"
)

// About is a command's Metadata: how its arguments complete and the
// examples its help and man page show. Only running containers make sense
// for exec, attach and stop, only created ones for start, only ready pods
// for what needs a live sandbox: the constructors say so here.
func About(args ArgSpec, examples ...Example) map[string]any {
	return map[string]any{metaArgs: args, metaExamples: examples}
}

// CrictlSpec is what a command does differently under the crictl
// personality beyond its arguments, declared with the command (WithCrictl)
// and applied when the tree becomes crictl's.
type CrictlSpec struct {
	// Formats replaces the -o formats where crictl accepts fewer and the
	// difference would change what a script gets.
	Formats []string
	// Words rephrases the errors crictl words differently and its own
	// suite matches on.
	Words func(error) error
	// DropFlags are flags of guards crictl does not have: there the flag
	// would be a no-op, so crictl's "not defined" is the answer.
	DropFlags []string
	// IgnoreArgs: crictl's command takes no arguments and ignores any it
	// is given (X03, C05), where ctr cri calls them a usage error.
	IgnoreArgs bool
}

const metaCrictl = "ctrcri.crictl"

// WithCrictl adds c to a command's Metadata (About's).
func WithCrictl(meta map[string]any, c CrictlSpec) map[string]any {
	meta[metaCrictl] = c
	return meta
}

// CrictlSpecOf is what cmd's constructor declared for crictl.
func CrictlSpecOf(cmd *cli.Command) CrictlSpec {
	c, _ := cmd.Metadata[metaCrictl].(CrictlSpec)
	return c
}

// ArgSpecOf is what cmd's constructor declared; nothing completes for a
// command that declared nothing.
func ArgSpecOf(cmd *cli.Command) ArgSpec {
	s, _ := cmd.Metadata[metaArgs].(ArgSpec)
	return s
}

// Positional says what argument number i (from 0) of a command is.
func (s ArgSpec) Positional(i int) (objects, files bool) {
	if s.Args == ArgsMany || i < s.Args {
		return true, false
	}
	return false, s.Files == ArgsMany || i-s.Args < s.Files
}

// Example is one recipe of a command's help and man page: what it does and
// the command line, written as typed under ctr ("ctr cri ps -a"); the
// crictl personality shows it under its own name.
type Example struct{ What, Line string }

// Ex declares an example in a command's constructor (about).
func Ex(what, line string) Example { return Example{what, line} }

// ExamplesOf is what cmd's constructor declared as its examples.
func ExamplesOf(cmd *cli.Command) []Example {
	e, _ := cmd.Metadata[metaExamples].([]Example)
	return e
}

// The kinds of object an argument or a filter names; each completes from
// the runtime's list of them (shells and config keys from fixed lists).
const (
	NounNone Noun = iota
	NounContainers
	NounPods
	NounImages
	NounShells
	NounConfigKeys
)

// Shells has the shells whose completion scripts the binary prints.
var Shells = []string{"bash", "zsh", "fish", "pwsh"}

// Help categories.
const (
	CatContainers = "Containers"
	CatPods       = "Pods"
	CatImages     = "Images"
	CatInfo       = "Runtime"
	CatStreaming  = "Streaming and observability"
	CatContainerd = "containerd integration"
	CatTools      = "Tools"
)
