package cricli

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/urfave/cli/v3"
)

// Man pages and completion scripts are generated from a live tree by
// cmd/gen-docs, and a test regenerates them to keep the checked-in copies
// fresh. The renderer is handed in, not imported: urfave/cli-docs pulls in a
// markdown library whose package init would cost every ctr start-up
// (≈0.3 ms) for something only the generator needs.

// ManSection is the section of every page: ctr is an administration tool.
const ManSection = 8

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

// Keys of what Docs renders into a page's Metadata for ManTemplate.
const (
	manOptions  = "man.options"
	manExamples = "man.examples"
	manEnv      = "man.environment"
	manPage     = "man.kind" // "ctr", "crictl", "cri" (the ctr-cri overview) or "" (a subcommand)
	manCommands = "man.commands"
)

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
		man, err := render(cmd, ManSection)
		if err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		files = append(files, DocFile{path.Join(ManDir, fmt.Sprintf("%s.%d", name, ManSection)), []byte(man)})
		return nil
	}
	var walk func(cmd *cli.Command, name, full string) error
	walk = func(cmd *cli.Command, name, full string) error {
		subs := visible(cmd.Commands)
		prepareManPage(cmd, full, map[bool]string{true: "cri"}[full == "ctr cri"], func(sub *cli.Command) string { return name + "-" + sub.Name })
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
	prepareManPage(crictl, "crictl", "crictl", func(sub *cli.Command) string { return "ctr-cri-" + sub.Name })
	if err := page(crictl, "crictl"); err != nil {
		return nil, err
	}
	if ctr != nil {
		prepareManPage(ctr, "ctr", "ctr", func(sub *cli.Command) string {
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
			script, err := CompletionScript(prog, shell)
			if err != nil {
				return nil, err
			}
			files = append(files, DocFile{path.Join(CompletionsDir, prog+"."+shell), []byte(script)})
		}
	}
	return files, nil
}

func visible(cmds []*cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// prepareManPage fills in what ManTemplate reads from cmd's Metadata: its
// options, commands (each referring to the page pageOf names, if any),
// examples and environment, and a synopsis when it has none. full is the
// command line that invokes it ("ctr cri logs").
func prepareManPage(cmd *cli.Command, full, kind string, pageOf func(*cli.Command) string) {
	m := map[string]any{manPage: kind}
	for k, v := range cmd.Metadata {
		m[k] = v
	}
	if cmd.UsageText == "" {
		cmd.UsageText = usageFor(cmd, full)
	}
	var b strings.Builder
	for _, f := range cmd.VisibleFlags() {
		if d, ok := f.(cli.DocGenerationFlag); ok {
			b.WriteString(manOption(f.Names(), d))
		}
	}
	m[manOptions] = b.String()
	b.Reset()
	for _, c := range visible(cmd.Commands) {
		fmt.Fprintf(&b, "**%s**", c.Name)
		for _, a := range c.Aliases {
			fmt.Fprintf(&b, ", **%s**", a)
		}
		fmt.Fprintf(&b, "\n: %s", c.Usage)
		if p := pageOf(c); p != "" {
			fmt.Fprintf(&b, " (**%s**(%d))", p, ManSection)
		}
		b.WriteString("\n\n")
	}
	m[manCommands] = b.String()
	b.Reset()
	for _, e := range examplesFor(cmd, kind == "crictl") {
		fmt.Fprintf(&b, "%s:\n\n```\n%s\n```\n\n", e.what, e.line)
	}
	m[manExamples] = b.String()
	m[manEnv] = manEnvironment(cmd, kind)
	cmd.Metadata = m
}

// placeholder is `WORD` in a flag's usage, as urfave/cli's help shows it.
var placeholder = regexp.MustCompile("`([^`]+)`")

// manOption is one option as a definition list entry: "**--last**, **-n**
// *int*" then its usage, environment variables and a default worth saying
// (not false, not empty).
func manOption(names []string, f cli.DocGenerationFlag) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		dash := "--"
		if len(n) == 1 {
			dash = "-"
		}
		fmt.Fprintf(&b, "**%s%s**", dash, n)
	}
	usage := f.GetUsage()
	if f.TakesValue() {
		arg := f.TypeName()
		if m := placeholder.FindStringSubmatch(usage); m != nil {
			arg = m[1]
		}
		if arg == "" {
			arg = "value"
		}
		fmt.Fprintf(&b, " *%s*", arg)
	}
	usage = placeholder.ReplaceAllString(usage, "$1")
	if env := f.GetEnvVars(); len(env) > 0 {
		usage += " [$" + strings.Join(env, ", $") + "]"
	}
	def := f.GetDefaultText()
	if def == "" && f.TakesValue() && f.IsDefaultVisible() {
		def = f.GetValue()
	}
	if def != "" && def != `""` && def != "false" && def != "[]" {
		usage += " (default: " + def + ")"
	}
	return b.String() + "\n: " + manEscape(usage) + "\n\n"
}

// manEscape keeps markdown from reading emphasis into option text
// (--state running|exited, *.tar).
func manEscape(s string) string {
	return strings.NewReplacer("*", `\*`, "_", `\_`, "<", `\<`, "[", `\[`).Replace(s)
}

// connectionEnv are the variables the endpoint logic reads (connect.go,
// config.go), in its order of precedence.
var connectionEnv = []struct{ name, what string }{
	{"CONTAINER_RUNTIME_ENDPOINT", "the CRI runtime endpoint, below **--runtime-endpoint** and **ctr --address** on the command line"},
	{"IMAGE_SERVICE_ENDPOINT", "the CRI image endpoint (default: the runtime endpoint)"},
	{"CONTAINERD_ADDRESS", "containerd's socket, used when no CRI endpoint is named (ctr's own variable); the crictl personality ignores it"},
	{"CRI_CONFIG_FILE", "crictl's configuration file instead of /etc/crictl.yaml"},
	{"CONTAINERD_NAMESPACE", "ignored by **ctr cri**, whose objects live in containerd's k8s.io namespace (an inherited value cannot break it)"},
}

// commandEnv are variables one command reads outside its flags.
var commandEnv = map[string][]struct{ name, what string }{
	"diagnose": {{"NODE_NAME", "the node name the report carries when **--node-name** is not given"}},
}

// manEnvironment lists what cmd reads from the environment: the endpoint
// variables, those of its flags, and its own.
func manEnvironment(cmd *cli.Command, kind string) string {
	if kind == "ctr" {
		return ""
	}
	var b strings.Builder
	for _, e := range connectionEnv {
		what := e.what
		if kind == "crictl" {
			if e.name == "CONTAINERD_ADDRESS" || e.name == "CONTAINERD_NAMESPACE" {
				continue
			}
			what, _, _ = strings.Cut(what, " and **ctr --address**")
		}
		fmt.Fprintf(&b, "**%s**\n: %s\n\n", e.name, what)
	}
	seen := map[string]bool{}
	for _, f := range cmd.VisibleFlags() {
		d, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		for _, env := range d.GetEnvVars() {
			if !seen[env] {
				seen[env] = true
				fmt.Fprintf(&b, "**%s**\n: the default of **--%s**\n\n", env, f.Names()[0])
			}
		}
	}
	for _, e := range commandEnv[cmd.Name] {
		fmt.Fprintf(&b, "**%s**\n: %s\n\n", e.name, e.what)
	}
	b.WriteString("An empty variable counts as unset.\n")
	return b.String()
}

// usageFor writes the synopsis of a command that has none, from what its
// constructor says its arguments are: "ctr cri logs [options] CONTAINER-ID|NAME".
func usageFor(cmd *cli.Command, full string) string {
	u := full + " [options]"
	if len(cmd.Commands) > 0 {
		return u + " COMMAND [options] [arguments...]"
	}
	spec := argSpecOf(cmd)
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
	switch {
	case spec.files == argsMany:
		u += " FILE ..."
	case spec.files > 0:
		u += strings.Repeat(" FILE", spec.files)
	}
	return u
}

// examplesFor is cmd's examples as shown under ctr, or under crictl: there
// renamed, and without the recipes that need ctr's own options.
func examplesFor(cmd *cli.Command, crictl bool) []example {
	if !crictl {
		return examplesOf(cmd)
	}
	var out []example
	for _, e := range examplesOf(cmd) {
		if e.line = crictlLine(e.line); !strings.Contains(e.line, "ctr ") {
			out = append(out, e)
		}
	}
	return out
}

// crictlLine is an example line as typed under the crictl name.
func crictlLine(line string) string {
	return strings.ReplaceAll(line, "ctr cri ", "crictl ")
}

// helpExamples renders cmd's examples for its help text, under the name
// the tree runs as.
func helpExamples(cmd *cli.Command) string {
	var b strings.Builder
	for i, e := range examplesFor(cmd, cmd.Root().Name == "crictl") {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "   # %s\n   %s\n", e.what, e.line)
	}
	return b.String()
}

// withExamples returns a help template with section, as a quoted template
// string, after DESCRIPTION: before the command or option list (appended
// when it has neither).
func withExamples(tmpl, section string) string {
	text := "{{" + strconv.Quote(section) + "}}"
	for _, anchor := range []string{"{{if .VisibleCommands}}\n\nCOMMANDS:", "{{if .VisibleFlagCategories}}\n\nOPTIONS:"} {
		if i := strings.Index(tmpl, anchor); i >= 0 {
			return tmpl[:i] + text + tmpl[i:]
		}
	}
	return strings.TrimRight(tmpl, "\n") + text + "\n"
}

// flatCommands is how urfave/cli's subcommand help lists commands.
const flatCommands = `{{template "visibleCommandTemplate" .}}`

// byCategory lists cmd's commands under their categories, as crictl's
// own help does, for a command whose subcommands have categories (ctr cri;
// the crictl personality has none). urfave/cli's category template needs
// state only a run command has, so the list is made here, in the same
// layout (tabs, which the help printer aligns).
func byCategory(cmd *cli.Command) string {
	var order []string
	groups := map[string][]*cli.Command{}
	for _, c := range cmd.VisibleCommands() {
		if _, ok := groups[c.Category]; !ok {
			order = append(order, c.Category)
		}
		groups[c.Category] = append(groups[c.Category], c)
	}
	var b strings.Builder
	for _, cat := range order {
		name := cat
		if name == "" {
			name = "Other"
		}
		fmt.Fprintf(&b, "\n\n   %s:", name)
		for _, c := range groups[cat] {
			fmt.Fprintf(&b, "\n     %s\t%s", strings.Join(c.Names(), ", "), c.Usage)
		}
	}
	return b.String()
}

func hasCategories(cmd *cli.Command) bool {
	for _, c := range cmd.VisibleCommands() {
		if c.Category != "" {
			return true
		}
	}
	return false
}

var helpPrinterOnce sync.Once

// installHelpPrinter wraps urfave/cli's help printer, once per process, so
// that every help page gets ctr cri's edits whichever of urfave/cli's
// templates prints it (ShowSubcommandHelp ignores a command's
// CustomHelpTemplate): the globals that act (withGlobalHelp), then the
// command list by category and the examples (withHelpExtras). Done when
// help is printed, not per command at start-up.
func installHelpPrinter() {
	helpPrinterOnce.Do(func() {
		prev := cli.HelpPrinter
		cli.HelpPrinter = func(w io.Writer, tmpl string, data any) {
			if cmd, ok := data.(*cli.Command); ok {
				tmpl = withHelpExtras(withGlobalHelp(tmpl, cmd), cmd)
			}
			prev(w, tmpl, data)
		}
	})
}

// withHelpExtras groups ctr cri's commands by category in tmpl and adds
// cmd's examples, if it declares any, the text quoted as a template string
// so that examples' own {{...}} stay text. A template that already has
// EXAMPLES is left as it is.
func withHelpExtras(tmpl string, cmd *cli.Command) string {
	if strings.Contains(tmpl, "EXAMPLES:") {
		return tmpl
	}
	if hasCategories(cmd) {
		tmpl = strings.Replace(tmpl, flatCommands, "{{"+strconv.Quote(byCategory(cmd))+"}}", 1)
	}
	if ex := strings.TrimRight(helpExamples(cmd), "\n"); ex != "" {
		tmpl = withExamples(tmpl, "\n\nEXAMPLES:\n"+ex)
	}
	return tmpl
}
