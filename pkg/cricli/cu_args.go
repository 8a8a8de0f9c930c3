package cricli

import (
	"github.com/urfave/cli/v3"
)

// noun is the kind of runtime object a command or a flag names.
type noun int

// argsMany in argSpec.args or argSpec.files: every remaining argument.
const argsMany = -1

// argSpec is what a command's arguments are, declared by its constructor
// (about): its positional arguments, first args objects of noun (argsMany:
// all of them) then files file names, and what its --id, --name and
// --state filters name. Completion and the man page synopsis read it.
type argSpec struct {
	noun  noun
	state string // offer only objects in this state: a container or pod state
	args  int
	files int
}

// Keys of what constructors declare in Command.Metadata.
const (
	metaArgs     = "ctrcri.args"
	metaExamples = "ctrcri.examples"
)

// about is a command's Metadata: how its arguments complete and the
// examples its help and man page show. Only running containers make sense
// for exec, attach and stop, only created ones for start, only ready pods
// for what needs a live sandbox: the constructors say so here.
func about(args argSpec, examples ...example) map[string]any {
	return map[string]any{metaArgs: args, metaExamples: examples}
}

// argSpecOf is what cmd's constructor declared; nothing completes for a
// command that declared nothing.
func argSpecOf(cmd *cli.Command) argSpec {
	s, _ := cmd.Metadata[metaArgs].(argSpec)
	return s
}

// positional says what argument number i (from 0) of a command is.
func (s argSpec) positional(i int) (objects, files bool) {
	if s.args == argsMany || i < s.args {
		return true, false
	}
	return false, s.files == argsMany || i-s.args < s.files
}

// example is one recipe of a command's help and man page: what it does and
// the command line, written as typed under ctr ("ctr cri ps -a"); the
// crictl personality shows it under its own name.
type example struct{ what, line string }

// ex declares an example in a command's constructor (about).
func ex(what, line string) example { return example{what, line} }

func examplesOf(cmd *cli.Command) []example {
	e, _ := cmd.Metadata[metaExamples].([]example)
	return e
}

const (
	nounNone noun = iota
	nounContainers
	nounPods
	nounImages
	nounShells
	nounConfigKeys
)

// Shells has the shells whose completion scripts the binary prints.
var Shells = []string{"bash", "zsh", "fish", "pwsh"}

// Help categories.
const (
	catContainers = "Containers"
	catPods       = "Pods"
	catImages     = "Images"
	catInfo       = "Runtime"
	catStreaming  = "Streaming and observability"
	catContainerd = "containerd integration"
	catTools      = "Tools"
)
