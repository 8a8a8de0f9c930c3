package help

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// Keys of what Docs renders into a page's Metadata for ManTemplate.
const (
	manOptions  = "man.options"
	manExamples = "man.examples"
	manEnv      = "man.environment"
	manPage     = "man.kind" // "ctr", "crictl", "cri" (the ctr-cri overview) or "" (a subcommand)
	manCommands = "man.commands"
)

// Visible is cmds without the hidden ones.
func Visible(cmds []*cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

// PrepareManPage fills in what ManTemplate reads from cmd's Metadata: its
// options, commands (each referring to the page pageOf names, if any),
// examples and environment, and a synopsis when it has none. full is the
// command line that invokes it ("ctr cri logs").
func PrepareManPage(cmd *cli.Command, full, kind string, pageOf func(*cli.Command) string) {
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
	for _, c := range Visible(cmd.Commands) {
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
	for _, e := range ExamplesFor(cmd, kind == "crictl") {
		fmt.Fprintf(&b, "%s:\n\n```\n%s\n```\n\n", e.What, e.Line)
	}
	m[manExamples] = b.String()
	m[manEnv] = manEnvironment(cmd, kind)
	cmd.Metadata = m
}

// placeholder is `WORD` in a flag's usage, as urfave/cli's help shows it.
// Compiled on first use: a package-level regexp would be an init that
// every ctr command pays, man pages or not.
func placeholder() *regexp.Regexp {
	placeholderOnce.Do(func() { placeholderRE = regexp.MustCompile("`([^`]+)`") })
	return placeholderRE
}

var (
	placeholderOnce sync.Once
	placeholderRE   *regexp.Regexp
)

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
		if m := placeholder().FindStringSubmatch(usage); m != nil {
			arg = m[1]
		}
		if arg == "" {
			arg = "value"
		}
		fmt.Fprintf(&b, " *%s*", arg)
	}
	usage = placeholder().ReplaceAllString(usage, "$1")
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

// connectionEnv are the variables the endpoint logic reads (cmdutil/connect.go,
// config.go), in its order of precedence.
var connectionEnv = []struct{ name, what string }{
	{"CONTAINER_RUNTIME_ENDPOINT", "the CRI runtime endpoint, below **--runtime-endpoint** and **ctr --address** on the command line"},
	{"IMAGE_SERVICE_ENDPOINT", "the CRI image endpoint (default: the runtime endpoint)"},
	{"CONTAINERD_ADDRESS", "containerd's socket, used when no CRI endpoint is named (ctr's own variable); the crictl personality ignores it"},
	{"CRI_CONFIG_FILE", "crictl's configuration file instead of /etc/crictl.yaml"},
	{"CONTAINERD_NAMESPACE", "ignored by **ctr cri**, whose objects live in containerd's k8s.io namespace (an inherited value cannot break it)"},
}

// commandEnv are variables one command reads outside its flags (a slice,
// not a map: a map literal needs a package init).
var commandEnv = []struct{ command, name, what string }{
	{"diagnose", "NODE_NAME", "the node name the report carries when **--node-name** is not given"},
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
	for _, e := range commandEnv {
		if e.command == cmd.Name {
			fmt.Fprintf(&b, "**%s**\n: %s\n\n", e.name, e.what)
		}
	}
	b.WriteString("An empty variable counts as unset.\n")
	return b.String()
}

// usageFor writes the synopsis of a command that has none, from what its
// constructor says its arguments are: "ctr cri logs [options] CONTAINER".
func usageFor(cmd *cli.Command, full string) string {
	if u := cmdutil.Synopsis(cmd, full); u != "" {
		return u
	}
	if len(cmd.Commands) > 0 {
		return full + " [options] COMMAND [options] [arguments...]"
	}
	return full + " [options]"
}

// ExamplesFor is cmd's examples as shown under ctr, or under crictl: there
// renamed, and without the recipes that need ctr's own options.
func ExamplesFor(cmd *cli.Command, crictl bool) []cmdutil.Example {
	if !crictl {
		return cmdutil.ExamplesOf(cmd)
	}
	var out []cmdutil.Example
	for _, e := range cmdutil.ExamplesOf(cmd) {
		if e.Line = CrictlLine(e.Line); !strings.Contains(e.Line, "ctr ") {
			out = append(out, e)
		}
	}
	return out
}

// CrictlLine is an example line as typed under the crictl name.
func CrictlLine(line string) string {
	return strings.ReplaceAll(line, "ctr cri ", "crictl ")
}

// helpExamples renders cmd's examples for its help text, under the name
// the tree runs as.
func helpExamples(cmd *cli.Command) string {
	var b strings.Builder
	for i, e := range ExamplesFor(cmd, cmdutil.PersonalityOf(cmd).Standalone) {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "   # %s\n   %s\n", e.What, e.Line)
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

// InstallHelpPrinter wraps urfave/cli's help printer, once per process, so
// that every help page gets ctr cri's edits whichever of urfave/cli's
// templates prints it (ShowSubcommandHelp ignores a command's
// CustomHelpTemplate): the globals that act (withGlobalHelp), then the
// command list by category and the examples (withHelpExtras). Done when
// help is printed, not per command at start-up.
func InstallHelpPrinter() {
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

// ManSection is the section of every page: ctr is an administration tool.
const ManSection = 8
