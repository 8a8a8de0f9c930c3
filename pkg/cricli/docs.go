package cricli

import (
	"fmt"
	"path"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/completion"
	"github.com/ctrcri/ctrcri/pkg/cricli/help"
)

// Man pages and completion scripts are generated from a live tree by
// cmd/gen-docs, and a test regenerates them to keep the checked-in copies
// fresh. The renderer is handed in, not imported: urfave/cli-docs pulls in a
// markdown library whose package init would cost every ctr start-up
// (≈0.3 ms) for something only the generator needs.

// ManTemplate is the markdown template (urfave/cli-docs' data model,
// rendered by go-md2man) for every page: ctr(8), crictl(8), the ctr-cri
// overview, which lists the commands, and one page per subcommand. Docs
// renders the options, examples, environment and commands sections into
// the command's Metadata beforehand.
const ManTemplate = `% {{ .Command.Name }} {{ .SectionNum }}
{{ $kind := index .Command.Metadata "man.kind" }}
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
{{ end }}{{ with index .Command.Metadata "man.options" }}
# OPTIONS

{{ . }}{{ end }}{{ with index .Command.Metadata "man.commands" }}
# COMMANDS

{{ . }}{{ end }}{{ if eq $kind "" }}
# COMMON OPTIONS

The options of **ctr** (**--address**/**-a**, **--namespace**/**-n**, **--timeout**,
**--connect-timeout**, **--debug**) and of **ctr cri** (**--runtime-endpoint**/**-r**,
**--image-endpoint**/**-i**, **--timeout**/**-t**, **--config**/**-c**, **--debug**/**-D**) go before
the subcommand: a subcommand option with the same name or letter hides them, as in
**ctr -a SOCKET cri ps -a**. See **ctr-cri**(8).
{{ end }}{{ with index .Command.Metadata "man.examples" }}
# EXAMPLES

{{ . }}{{ end }}{{ with index .Command.Metadata "man.environment" }}
# ENVIRONMENT

{{ . }}{{ end }}{{ if ne $kind "ctr" }}
# FILES

/etc/crictl.yaml
: crictl's configuration file (runtime-endpoint, image-endpoint, timeout, debug, ...), read if present;
**--config**/**-c** or **CRI_CONFIG_FILE** name another, which must then exist.

crictl.yaml beside the executable
: read, as crictl does, when /etc/crictl.yaml is absent and no other file is named.

/run/containerd/containerd.sock
: the endpoint when nothing else names one.
{{ end }}
# EXIT STATUS

{{ if eq $kind "crictl" }}As crictl: 0 success; 1 any failure; 3 an unknown command or help topic. A missing
argument prints the command's help and exits 0, as crictl does. **exec** exits with the remote
command's status.{{ else if eq $kind "ctr" }}0 success; non-zero on failure. **ctr cri** documents its codes in **ctr-cri**(8).{{ else }}0 success (an empty list is a success); 1 the operation failed, or some of its targets did;
2 usage error (unknown flag, bad arguments, bad flag value); 3 the runtime cannot be reached
or does not serve CRI v1. **exec** exits with the remote command's status; **diagnose** exits
0 healthy, 1 problems found, 3 runtime unreachable.{{ end }}

# SEE ALSO

{{ if eq $kind "ctr" }}**ctr-cri**(8), **crictl**(8){{ else if eq $kind "crictl" }}**ctr-cri**(8), **ctr**(8); the differences from crictl: docs/migrating-from-crictl.md{{ else if eq $kind "cri" }}**ctr**(8), **crictl**(8){{ else }}**ctr-cri**(8), **ctr**(8), **crictl**(8){{ end }}
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
// way), crictl.8 for the crictl personality, ctr.8 for ctr (a root command
// whose subcommands other than cri are upstream's, listed but not paged),
// and the bash, zsh and fish completion scripts of ctr and crictl.
func Docs(render ManRenderer, ctr *cli.Command) ([]DocFile, error) {
	var files []DocFile
	page := func(cmd *cli.Command, name string) error {
		man, err := render(cmd, help.ManSection)
		if err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		files = append(files, DocFile{path.Join(ManDir, fmt.Sprintf("%s.%d", name, help.ManSection)), []byte(man)})
		return nil
	}
	var walk func(cmd *cli.Command, name, full string) error
	walk = func(cmd *cli.Command, name, full string) error {
		subs := help.Visible(cmd.Commands)
		help.PrepareManPage(cmd, full, map[bool]string{true: "cri"}[full == "ctr cri"], func(sub *cli.Command) string { return name + "-" + sub.Name })
		// The page renders before its commands are renamed for theirs.
		cmd.Name = name
		if err := page(cmd, name); err != nil {
			return err
		}
		for _, sub := range subs {
			if err := walk(sub, name+"-"+sub.Name, full+" "+sub.Name); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(Command(), "ctr-cri", "ctr cri"); err != nil {
		return nil, err
	}
	crictl := CrictlCommand()
	crictl.Description = `This crictl is containerd's **ctr**(8) called by the name crictl (a symlink
or a copy): the Kubernetes CRI client with crictl's commands, flags, documents,
help and exit codes, talking to containerd's CRI plugin. Each command is
described in its own page, as a command of **ctr-cri**(8); the few
deliberate differences from crictl are listed in docs/migrating-from-crictl.md.`
	help.PrepareManPage(crictl, "crictl", "crictl", func(sub *cli.Command) string { return "ctr-cri-" + sub.Name })
	if err := page(crictl, "crictl"); err != nil {
		return nil, err
	}
	if ctr != nil {
		help.PrepareManPage(ctr, "ctr", "ctr", func(sub *cli.Command) string {
			if sub.Name == "cri" {
				return "ctr-cri"
			}
			return ""
		})
		ctr.Usage = "containerd CLI, with the Kubernetes CRI under ctr cri"
		ctr.UsageText = "ctr [global options] command [command options] [arguments...]"
		if err := page(ctr, "ctr"); err != nil {
			return nil, err
		}
	}
	for _, prog := range []string{"ctr", "crictl"} {
		for _, shell := range []string{"bash", "zsh", "fish"} {
			script, err := completion.CompletionScript(prog, shell)
			if err != nil {
				return nil, err
			}
			files = append(files, DocFile{path.Join(CompletionsDir, prog+"."+shell), []byte(script)})
		}
	}
	return files, nil
}
