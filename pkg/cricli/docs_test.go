package cricli

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/help"
)

// exampleCommand is a command that takes examples and the words that run
// it below the root ("create", "jsonschema").
type exampleCommand struct {
	cmd  *cli.Command
	path []string
}

func (e exampleCommand) String() string { return strings.Join(e.path, " ") }

// exampleCommands lists the commands of a tree that take examples: every
// leaf (no visible subcommands) and every command with an Action of its own
// (create has jsonschema below it and runs itself).
func exampleCommands(root *cli.Command) []exampleCommand {
	var out []exampleCommand
	var walk func(*cli.Command, []string)
	walk = func(c *cli.Command, path []string) {
		if c != root && (len(help.Visible(c.Commands)) == 0 || c.Action != nil) {
			out = append(out, exampleCommand{c, path})
		}
		for _, s := range help.Visible(c.Commands) {
			walk(s, append(slices.Clone(path), s.Name))
		}
	}
	walk(root, nil)
	return out
}

// pathOf is the words that ran cmd below the cri command (or crictl).
func pathOf(cmd *cli.Command) []string {
	var path []string
	for _, c := range cmd.Lineage() {
		if c.Name == "cri" || c.Name == "crictl" {
			break
		}
		path = append([]string{c.Name}, path...)
	}
	return path
}

// shellWords splits an example line as sh would, into the words of each
// simple command: quotes are removed, and | ; & < > ( ) end a command (a
// redirection's file is a command of its own, which starts with no program
// of ours).
func shellWords(line string) [][]string {
	var cmds [][]string
	var cur []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			cur = append(cur, w.String())
		}
		w.Reset()
		inWord = false
	}
	endCmd := func() {
		endWord()
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			w.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			for i++; line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
				w.WriteByte(line[i])
			}
			inWord = true
		case c == ' ' || c == '\t':
			endWord()
		case strings.IndexByte("|;&<>()", c) >= 0:
			endCmd()
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds
}

// dryParse runs argv through a fresh tree whose actions only record which
// command would run: the real flag parser and flag validators see the
// words, nothing is sent anywhere.
func dryParse(t *testing.T, crictl bool, argv []string) (*cli.Command, error) {
	t.Helper()
	var root *cli.Command
	if crictl {
		root = CrictlCommand()
	} else {
		root = app.New()
		root.Commands = append(root.Commands, Command())
	}
	var ran *cli.Command
	var record func(*cli.Command)
	record = func(c *cli.Command) {
		c.Action = func(_ context.Context, cmd *cli.Command) error {
			ran = cmd
			return nil
		}
		c.Before, c.After = nil, nil
		c.OnUsageError = func(_ context.Context, _ *cli.Command, err error, _ bool) error { return err }
		for _, s := range c.Commands {
			record(s)
		}
	}
	record(root)
	root.Writer, root.ErrWriter = io.Discard, io.Discard
	root.ExitErrHandler = func(context.Context, *cli.Command, error) {}
	err := root.Run(context.Background(), argv)
	return ran, err
}

// Issue 11 item 4: every command a user can run shows at least one example,
// and every example is a command line the tree accepts as it stands, in
// both personalities: a renamed or removed flag, a wrong argument type
// (--last x) or a command that moved fails here.
func TestEveryCommandHasExamplesThatParse(t *testing.T) {
	for _, crictl := range []bool{false, true} {
		tree, prog := Command(), "ctr"
		if crictl {
			tree, prog = CrictlCommand(), "crictl"
		}
		for _, ec := range exampleCommands(tree) {
			exs := cmdutil.ExamplesOf(ec.cmd)
			if len(exs) == 0 {
				t.Errorf("%s %s has no example: declare one in its constructor (about(..., ex(...)))", prog, ec)
			}
			for _, e := range exs {
				line := e.Line
				if crictl {
					line = help.CrictlLine(line)
				}
				if e.What == "" || strings.Contains(line, "\n") {
					t.Errorf("%s: example %q needs a description and one line", ec, line)
				}
				ours := false
				for _, argv := range shellWords(line) {
					if argv[0] != prog {
						continue
					}
					ran, err := dryParse(t, crictl, argv)
					switch {
					case err != nil:
						t.Errorf("%s example %q: %v", prog, line, err)
					case ran == nil:
						t.Errorf("%s example %q runs no command", prog, line)
					case slices.Equal(pathOf(ran), ec.path):
						ours = true
					}
				}
				if !ours {
					t.Errorf("%s example %q of %s does not run it", prog, line, ec)
				}
			}
		}
		// The overview's recipes run any command, under ctr cri's options
		// (ctr -a SOCK cri ps) too; crictl shows only those it can run.
		for _, e := range help.ExamplesFor(tree, crictl) {
			for _, argv := range shellWords(e.Line) {
				if argv[0] != prog {
					continue
				}
				if ran, err := dryParse(t, crictl, argv); err != nil || ran == nil {
					t.Errorf("%s overview example %q: ran %v, %v", prog, e.Line, ran, err)
				}
			}
		}
	}
}

// The dry parse is what makes the test above fail for a broken example.
func TestDryParseCatchesBrokenExamples(t *testing.T) {
	for _, argv := range [][]string{
		{"ctr", "cri", "ps", "--no-such-flag"},
		{"ctr", "cri", "ps", "--last", "x"},
		{"ctr", "cri", "logs", "--tail", "many", "app"},
	} {
		if _, err := dryParse(t, false, argv); err == nil {
			t.Errorf("%q parsed", argv)
		}
	}
	if ran, err := dryParse(t, false, []string{"ctr", "cri", "create", "jsonschema", "-p"}); err != nil || ran == nil || ran.Name != "jsonschema" {
		t.Errorf("create jsonschema -p: ran %v, %v", ran, err)
	}
	got := shellWords(`ssh h cat a.tar | ctr cri load - && ctr cri info -o go-template='{{.x}} {{"\n"}}' > out`)
	want := [][]string{{"ssh", "h", "cat", "a.tar"}, {"ctr", "cri", "load", "-"}, {"ctr", "cri", "info", "-o", `go-template={{.x}} {{"\n"}}`}, {"out"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("shellWords = %q, want %q", got, want)
	}
}

// Examples show in the help of every command, under the name the binary
// runs as, whichever help path prints it (--help, help CMD, and crictl's
// help for a missing argument).
func TestHelpShowsExamples(t *testing.T) {
	for _, ec := range exampleCommands(Command()) {
		cmd, path := ec.cmd, ec.path
		r := ctr(t, "", append(append([]string{"cri"}, path...), "--help")...).ok(t)
		if !strings.Contains(r.stdout, "\nEXAMPLES:\n") {
			t.Errorf("ctr cri %s --help has no EXAMPLES:\n%s", strings.Join(path, " "), r.stdout)
			continue
		}
		for _, e := range cmdutil.ExamplesOf(cmd) {
			if !strings.Contains(r.stdout, "\n   # "+e.What+"\n   "+e.Line+"\n") {
				t.Errorf("ctr cri %s --help lacks example %q", strings.Join(path, " "), e.Line)
			}
		}
		c := crictl(t, append(path, "--help")...).ok(t)
		first := cmdutil.ExamplesOf(cmd)[0]
		if !strings.Contains(c.stdout, "\n   "+help.CrictlLine(first.Line)+"\n") || strings.Contains(c.stdout, "ctr cri ") {
			t.Errorf("crictl %s --help shows examples under the wrong name:\n%s", strings.Join(path, " "), c.stdout)
		}
	}
	// Where crictl answers a missing argument with help, the examples come too.
	if r := crictl(t, "runp").ok(t); !strings.Contains(r.stdout, "EXAMPLES:\n   # Run a pod from a config file") || !strings.Contains(r.stdout, "crictl runp pod.yaml") {
		t.Errorf("crictl runp (no arguments) shows no examples:\n%s", r.stdout)
	}
	if r := ctr(t, "", "cri", "help", "logs").ok(t); !strings.Contains(r.stdout, "ctr cri logs -f --tail 20 app") {
		t.Errorf("ctr cri help logs shows no examples:\n%s", r.stdout)
	}
}

// docCommandLines returns the ctr command lines in the sh code blocks of a
// markdown file (a trailing "# comment" removed, "\" continuations joined).
func docCommandLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	pending := ""
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "```"):
			in = !in && strings.TrimPrefix(l, "```") == "sh"
			continue
		case !in:
			continue
		}
		l = pending + l
		if cont, ok := strings.CutSuffix(l, `\`); ok {
			pending = cont
			continue
		}
		pending = ""
		if i := strings.Index(l, " # "); i >= 0 && strings.Count(l[:i], "'")%2 == 0 {
			l = l[:i]
		}
		if strings.Contains(l, "ctr ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// Item 6: the recipes of the guide and the README use flags and commands
// that exist: each ctr command in their code blocks parses ("$id" and
// other shell words stand for an argument).
func TestGuideAndReadmeRecipesParse(t *testing.T) {
	n := 0
	for _, doc := range []string{"../../docs/guide.md", "../../README.md"} {
		for _, line := range docCommandLines(t, doc) {
			for _, argv := range shellWords(line) {
				if argv[0] != "ctr" || len(argv) < 3 || argv[len(argv)-1] == "…" {
					continue
				}
				n++
				if _, err := dryParse(t, false, argv); err != nil {
					t.Errorf("%s: %q: %v", doc, line, err)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d ctr command lines found in the guide and README", n)
	}
}

// The guide's jsonpath recipes print the IDs (finding #20: the pods
// expression on ps printed nothing).
func TestGuideJSONPathRecipes(t *testing.T) {
	s := node(t)
	for args, want := range map[string]string{
		"ps -o jsonpath={.containers[*].id}": ctrW,
		"pods -o jsonpath={.items[*].id}":    podA,
		"images -o jsonpath={.images[*].id}": imgB,
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, strings.Fields(args)...)...).ok(t)
		if !strings.Contains(r.stdout, want) {
			t.Errorf("ctr cri %s printed %q, want %s in it", args, r.stdout, want)
		}
	}
}

// A.11: ctr cri's help groups its commands by category; crictl's stays one
// alphabetical list, as crictl prints it.
func TestCriHelpGroupsCommands(t *testing.T) {
	for _, args := range [][]string{{"cri", "--help"}, {"cri"}, {"help", "cri"}} {
		r := ctr(t, "", args...)
		for _, want := range []string{"\n   Containers:\n     ps ", "\n   Images:\n     images, image, img ", "\n   containerd integration:\n     load "} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("ctr %s does not group the commands (%q):\n%s", strings.Join(args, " "), want, r.stdout)
			}
		}
	}
	if c := crictl(t, "--help").ok(t); strings.Contains(c.stdout, "Containers:") || !strings.Contains(c.stdout, "COMMANDS:\n   attach ") {
		t.Errorf("crictl --help is not one alphabetical list:\n%s", c.stdout)
	}
}
