package cricli

import (
	"fmt"
	"path"
	"strings"

	"github.com/urfave/cli/v3"
)

// Man pages and completion scripts are generated from a live tree by
// cmd/gen-docs, and a test regenerates them to keep the checked-in copies
// fresh. The renderer is handed in, not imported: urfave/cli-docs pulls in a
// markdown library whose package init would cost every ctr start-up
// (≈0.3 ms) for something only the generator needs.

// ManSection is the section of every page: ctr is an administration tool.
const ManSection = 8

// ManTemplate is the markdown template (urfave/cli-docs' data model,
// rendered by go-md2man) for every page: the ctr-cri overview, which lists
// the commands, and one page per subcommand.
const ManTemplate = `% {{ .Command.Name }} {{ .SectionNum }}

# NAME

{{ .Command.Name }}{{ if .Command.Usage }} - {{ .Command.Usage }}{{ end }}

# SYNOPSIS

` + "```" + `
{{ .Command.UsageText }}
` + "```" + `
{{ if .Command.Aliases }}
Also called:{{ range $i, $a := .Command.Aliases }}{{ if $i }},{{ end }} **{{ $a }}**{{ end }}.
{{ end }}{{ if .Command.Description }}
# DESCRIPTION

{{ .Command.Description }}
{{ end }}{{ if .GlobalArgs }}
# OPTIONS
{{ range $v := .GlobalArgs }}
{{ $v }}{{ end }}
{{ end }}{{ if .Command.VisibleCommands }}
# COMMANDS
{{ range $c := .Command.VisibleCommands }}
**{{ $c.Name }}**{{ range $c.Aliases }}, **{{ . }}**{{ end }}
: {{ $c.Usage }} (**{{ $.Command.Name }}-{{ $c.Name }}**(8))
{{ end }}{{ end }}{{ if ne .Command.Name "ctr-cri" }}
# COMMON OPTIONS

The options of **ctr** (**--address**/**-a**, **--namespace**/**-n**, **--timeout**,
**--connect-timeout**, **--debug**) and of **ctr cri** (**--runtime-endpoint**/**-r**,
**--image-endpoint**/**-i**, **--timeout**/**-t**, **--config**/**-c**, **--debug**/**-D**) go before
the subcommand: a subcommand option with the same name or letter hides them, as in
**ctr -a SOCKET cri ps -a**. See **ctr-cri**(8).
{{ end }}
# EXIT STATUS

0 success (an empty list is a success); 1 the operation failed, or some of its targets did;
2 usage error (unknown flag, bad arguments, bad flag value); 3 the runtime cannot be reached
or does not serve CRI v1. A command that says otherwise above (exec, diagnose) overrides this.

# SEE ALSO

{{ if eq .Command.Name "ctr-cri" }}**ctr**(8){{ else }}**ctr-cri**(8), **ctr**(8){{ end }}
`

// ManRenderer renders one command as a man page of a section; cmd/gen-docs
// passes urfave/cli-docs' ToManWithSection with ManTemplate installed.
type ManRenderer func(cmd *cli.Command, section int) (string, error)

// DocFile is one generated file, its path relative to the repository root.
type DocFile struct {
	Path string
	Data []byte
}

// Generated directories: every file in them is produced by Docs.
const (
	ManDir         = "man"
	CompletionsDir = "completions"
)

// Docs renders the man pages of a fresh cri tree (ctr-cri.8 and one page per
// subcommand, ctr-cri-<name>.8, subcommands of subcommands joined the same
// way) and the bash, zsh and fish completion scripts of ctr and crictl.
func Docs(render ManRenderer) ([]DocFile, error) {
	var files []DocFile
	var walk func(cmd *cli.Command, page, full string) error
	walk = func(cmd *cli.Command, page, full string) error {
		var subs []*cli.Command
		for _, sub := range cmd.Commands {
			if !sub.Hidden {
				subs = append(subs, sub)
			}
		}
		// The page renders before its commands are renamed for theirs.
		cmd.Name = page
		if cmd.UsageText == "" {
			cmd.UsageText = usageFor(cmd, full)
		}
		man, err := render(cmd, ManSection)
		if err != nil {
			return fmt.Errorf("render %s: %w", page, err)
		}
		files = append(files, DocFile{path.Join(ManDir, fmt.Sprintf("%s.%d", page, ManSection)), []byte(man)})
		for _, sub := range subs {
			if err := walk(sub, page+"-"+sub.Name, full+" "+sub.Name); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(Command(), "ctr-cri", "ctr cri"); err != nil {
		return nil, err
	}
	for _, prog := range []string{"ctr", "crictl"} {
		for _, shell := range []string{"bash", "zsh", "fish"} {
			script, err := CompletionScript(prog, shell)
			if err != nil {
				return nil, err
			}
			files = append(files, DocFile{path.Join(CompletionsDir, prog+"."+shell), []byte(script)})
		}
	}
	return files, nil
}

// usageFor writes the synopsis of a command that has none, from what its
// positional arguments are (argSpecOf): "ctr cri logs [options] CONTAINER-ID|NAME".
func usageFor(cmd *cli.Command, full string) string {
	u := full + " [options]"
	if len(cmd.Commands) > 0 {
		return u + " COMMAND [options] [arguments...]"
	}
	spec := argSpecOf(full[strings.LastIndexByte(full, ' ')+1:])
	arg := map[noun]string{
		nounContainers: "CONTAINER-ID|NAME",
		nounPods:       "POD-ID|NAME|NAMESPACE/NAME",
		nounImages:     "IMAGE-ID|REF",
		nounShells:     strings.Join(Shells, "|"),
		nounConfigKeys: "KEY VALUE",
	}[spec.noun]
	switch {
	case spec.args == argsMany:
		u += " " + arg + " ..."
	case spec.args > 0:
		u += " " + arg
	}
	return u
}
