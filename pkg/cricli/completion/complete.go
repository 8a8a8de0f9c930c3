package completion

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Shell completion for the cri tree.
//
// urfave/cli v3's scripts complete by running the binary again with the
// words before the cursor (plus the word under it when that starts with "-")
// and --generate-shell-completion; the deepest command named prints one
// Candidate per line, "word" or "word:description" (zsh and fish show the
// description; bash lists it on the second TAB), and a last line ":files"
// when file names fit the word as well (the scripts then add them; a word
// never starts with ":"). v3 itself only offers subcommand and flag names,
// and takes a flag awaiting its value for a flag to complete.
// completeCommand, set on every command of the tree, does the rest: flag
// values by flag name (file names for flags declared TakesFile), and
// positional arguments as each command declares them in its constructor
// (about): runtime objects, then files.

// CompletionBudget bounds what one TAB waits for: connecting and one list
// call. An unreachable runtime yields no candidates, never an error.
const CompletionBudget = time.Second

// CompletionFlag is what urfave/cli's scripts append to the words.
const CompletionFlag = "--generate-shell-completion"

// FilesDirective, as the last line of the candidates, tells the scripts to
// offer file names too.
const FilesDirective = ":files"

// EnableCompletion sets completeCommand on cmd and every command below it.
func EnableCompletion(cmd *cli.Command) {
	cmd.ShellComplete = completeCommand
	for _, sub := range cmd.Commands {
		EnableCompletion(sub)
	}
}

// CompleteUpstream gives ctr's own commands (those without a completion of
// ours) urfave/cli's completion plus file names once no subcommand is left:
// the scripts offer files only when told, and ctr's commands take files
// (images import, run --config).
func CompleteUpstream(root *cli.Command) {
	var walk func(*cli.Command)
	walk = func(c *cli.Command) {
		if c.ShellComplete != nil {
			return // ours: the cri tree
		}
		c.ShellComplete = func(ctx context.Context, cmd *cli.Command) {
			cli.DefaultCompleteWithFlags(ctx, cmd)
			words := cmd.Root().Args().Slice()
			typingFlag := len(words) > 0 && strings.HasPrefix(words[len(words)-1], "-")
			if cmd != cmd.Root() && len(cmd.VisibleCommands()) == 0 && !typingFlag {
				_, _ = io.WriteString(cmdutil.Stdout(cmd), FilesDirective+"\n")
			}
		}
		for _, sub := range c.Commands {
			walk(sub)
		}
	}
	for _, c := range root.Commands {
		walk(c)
	}
}

// Candidate is one completion line.
type Candidate struct{ Word, Desc string }

// completeCommand prints cmd's candidates for the word after the ones given.
// It never writes to stderr: zsh's script shows the binary's stderr.
func completeCommand(ctx context.Context, cmd *cli.Command) {
	words := cmd.Root().Args().Slice()
	last := ""
	if len(words) > 0 {
		last = words[len(words)-1]
	}
	cands, files := candidates(ctx, cmd, last)
	WriteCandidates(cmdutil.Stdout(cmd), cands)
	if files {
		_, _ = io.WriteString(cmdutil.Stdout(cmd), FilesDirective+"\n")
	}
}

// candidates returns the words that fit after cmd's arguments, and whether
// file names fit too.
func candidates(ctx context.Context, cmd *cli.Command, last string) ([]Candidate, bool) {
	spec := cmdutil.ArgSpecOf(cmd)
	if strings.HasPrefix(last, "-") {
		name, partial, hasValue := strings.Cut(strings.TrimLeft(last, "-"), "=")
		f, own := lookupFlag(cmd, name)
		if f == nil && !hasValue && !strings.HasPrefix(last, "--") {
			// A group of short flags (exec -it): the last one decides.
			f, own = shortGroup(cmd, name)
		}
		switch {
		case hasValue && own:
			// zsh and fish keep --flag=value as one word: complete it whole.
			// File names after "=" are the shells' business.
			prefix := last[:len(last)-len(partial)]
			var out []Candidate
			for _, c := range FlagValues(ctx, cmd, spec, f) {
				out = append(out, Candidate{prefix + c.Word, c.Desc})
			}
			return out, TakesFile(f)
		case f != nil && TakesValue(f):
			// The flag awaits its value; inherited flags have none to offer.
			if own {
				return FlagValues(ctx, cmd, spec, f), TakesFile(f)
			}
			return nil, TakesFile(f)
		case f == nil || hasValue:
			return flagNames(cmd, last), false
		}
		// A complete boolean flag: what follows is a new word.
	}
	// Subcommands first; a command can have both (create jsonschema, create POD).
	var out []Candidate
	for _, sub := range cmd.VisibleCommands() {
		out = append(out, Candidate{sub.Name, sub.Usage})
	}
	objects, files := spec.Positional(cmd.NArg())
	switch {
	case !objects:
		return out, files
	case spec.Noun == cmdutil.NounShells:
		return append(out, words(cmdutil.Shells...)...), false
	case spec.Noun == cmdutil.NounConfigKeys:
		return append(out, words(cmdutil.ConfigKeyNames()...)...), false
	}
	return append(out, fromRuntime(ctx, cmd, spec.Noun, spec.State, offerAll)...), false
}

// lookupFlag finds the flag a command line word names, in cmd or the
// commands above it, and whether cmd owns it.
func lookupFlag(cmd *cli.Command, name string) (cli.Flag, bool) {
	for _, c := range cmd.Lineage() {
		for _, f := range c.Flags {
			if slices.Contains(f.Names(), name) {
				return f, c == cmd
			}
		}
	}
	return nil, false
}

// shortGroup resolves "-it" to its last flag when every letter is a flag
// and the command groups short flags.
func shortGroup(cmd *cli.Command, letters string) (cli.Flag, bool) {
	if len(letters) < 2 || !slices.ContainsFunc(cmd.Lineage(), func(c *cli.Command) bool { return c.UseShortOptionHandling }) {
		return nil, false
	}
	var f cli.Flag
	var own bool
	for _, l := range letters {
		if f, own = lookupFlag(cmd, string(l)); f == nil {
			return nil, false
		}
	}
	return f, own
}

// TakesFile reports a flag declared TakesFile: its value is a file name.
func TakesFile(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.TakesFile
	case *cli.StringSliceFlag:
		return f.TakesFile
	}
	return false
}

// TakesValue reports whether f awaits a value.
func TakesValue(f cli.Flag) bool {
	v, ok := f.(interface{ TakesValue() bool })
	return ok && v.TakesValue()
}

// flagNames offers cmd's own flags matching the word being typed; inherited
// ones belong before the subcommand.
func flagNames(cmd *cli.Command, typed string) []Candidate {
	long := strings.HasPrefix(typed, "--")
	prefix := strings.TrimLeft(typed, "-")
	var out []Candidate
	for _, f := range cmd.VisibleFlags() {
		name := f.Names()[0]
		if !strings.HasPrefix(name, prefix) || long && len(name) == 1 {
			continue
		}
		word := "--" + name
		if len(name) == 1 {
			word = "-" + name
		}
		usage := ""
		if d, ok := f.(cli.DocGenerationFlag); ok {
			usage = d.GetUsage()
		}
		out = append(out, Candidate{word, usage})
	}
	return out
}

// FlagValues completes a flag's value by the flag's name.
func FlagValues(ctx context.Context, cmd *cli.Command, spec cmdutil.ArgSpec, f cli.Flag) []Candidate {
	switch f.Names()[0] {
	case "output":
		return outputFormats(f)
	case "state":
		if spec.Noun == cmdutil.NounPods {
			return words(runtime.PodStates...)
		}
		return words(runtime.ContainerStates...)
	case "transport":
		return words("spdy", "websocket")
	case "pull":
		return words("missing", "always", "never")
	case "stream":
		return words("stdout", "stderr")
	case "filter":
		return words("dangling=true", "dangling=false", "reference=", "before=", "since=")
	case "get":
		return words(cmdutil.ConfigKeyNames()...)
	case "set":
		out := words(cmdutil.ConfigKeyNames()...)
		for i := range out {
			out[i].Word += "="
		}
		return out
	case "type":
		if cmd.Name == "events" {
			return words("created", "started", "stopped", "deleted")
		}
	case "container":
		return fromRuntime(ctx, cmd, cmdutil.NounContainers, "", offerAll)
	case "id":
		if spec.Noun != cmdutil.NounNone {
			return fromRuntime(ctx, cmd, spec.Noun, "", offerIDs)
		}
	case "name":
		if spec.Noun == cmdutil.NounContainers || spec.Noun == cmdutil.NounPods {
			return fromRuntime(ctx, cmd, spec.Noun, "", offerNames)
		}
	case "pod":
		// --pod takes what a pod argument takes: IDs, names, namespace/name.
		return fromRuntime(ctx, cmd, cmdutil.NounPods, "", offerAll)
	case "pod-name":
		return fromRuntime(ctx, cmd, cmdutil.NounPods, "", offerNames)
	case "namespace":
		return fromRuntime(ctx, cmd, cmdutil.NounPods, "", offerNamespaces)
	case "image":
		return fromRuntime(ctx, cmd, cmdutil.NounImages, "", offerAll)
	}
	return nil
}

// FormatHelp describes -o values for zsh and fish.
func FormatHelp(format string) string {
	switch format {
	case printer.Table:
		return "columns for people"
	case printer.Wide:
		return "table with extra columns"
	case printer.JSON:
		return "crictl's JSON shape"
	case printer.YAML:
		return "the JSON document as YAML"
	case printer.NDJSON:
		return "the JSON document on one line"
	case printer.GoTemplate:
		return "Go template over the JSON document"
	case printer.JSONPath:
		return "kubectl JSONPath expression"
	case printer.CustomColumns:
		return "HEADER:EXPR,... columns"
	}
	return ""
}

// outputFormats offers the formats a command's -o accepts, read from the
// flag itself; a flag named output that is not a format (save -o FILE)
// offers nothing.
func outputFormats(f cli.Flag) []Candidate {
	ff, ok := f.(*cmdutil.FormatFlag)
	if !ok {
		return nil
	}
	var out []Candidate
	for _, name := range ff.Config.Formats {
		word := name
		if printer.FormatArg(name) != name {
			word += "="
		}
		out = append(out, Candidate{word, FormatHelp(name)})
	}
	return out
}

func words(ws ...string) []Candidate {
	out := make([]Candidate, len(ws))
	for i, w := range ws {
		out[i] = Candidate{Word: w}
	}
	return out
}

// offer selects which words of the listed objects are candidates.
type offer int

const (
	offerAll        offer = iota // IDs and names
	offerIDs                     // IDs only (--id, --pod filters are ID prefixes)
	offerNames                   // names only
	offerNamespaces              // pods' namespaces
)

// fromRuntime lists one kind of object with one list call under
// CompletionBudget. Any failure means no candidates: a TAB must not print.
func fromRuntime(ctx context.Context, cmd *cli.Command, n cmdutil.Noun, state string, what offer) []Candidate {
	ep, err := cmdutil.ResolveEndpoints(cmd)
	if err != nil {
		return nil
	}
	c, err := runtime.New(runtime.Options{
		RuntimeEndpoint: ep.Runtime, ImageEndpoint: ep.Image,
		Timeout: CompletionBudget, ListTimeout: CompletionBudget, ConnectTimeout: CompletionBudget,
	})
	if err != nil {
		return nil
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, CompletionBudget)
	defer cancel()
	switch n {
	case cmdutil.NounContainers:
		l, err := c.ListContainersUnjoined(ctx, state)
		if err != nil {
			return nil
		}
		return containerCandidates(l, what)
	case cmdutil.NounPods:
		f := runtime.PodFilter{State: state}
		pods, err := c.ListPods(ctx, f)
		if err != nil {
			return nil
		}
		return podCandidates(pods, what)
	case cmdutil.NounImages:
		imgs, err := c.ListImages(ctx, runtime.ImageFilter{})
		if err != nil {
			return nil
		}
		return imageCandidates(imgs, what)
	}
	return nil
}

func where(ns, name string) string {
	if name == "" {
		return ""
	}
	return " in pod " + ns + "/" + name
}

// names offers the objects' names. As an argument, a name is offered once,
// described as the object it resolves to (resolves: runtime.ContainerNames
// or runtime.PodNames), and not at all when it is ambiguous. As a filter (a
// regular expression) every name counts.
func names[T comparable](items []T, name func(T) string, resolves map[string]T, arg bool, desc func(T) string) []Candidate {
	var out []Candidate
	for _, it := range items {
		n := name(it)
		if arg {
			if r, ok := resolves[n]; !ok || r != it {
				continue
			}
		}
		out = append(out, Candidate{n, desc(it)})
	}
	return out
}

func containerCandidates(l []runtime.Container, what offer) []Candidate {
	name := func(ct runtime.Container) string { return ct.GetMetadata().GetName() }
	var out []Candidate
	if what == offerAll || what == offerIDs {
		for _, ct := range l {
			state := strings.ToLower(strings.TrimPrefix(ct.State.String(), "CONTAINER_"))
			out = append(out, Candidate{ct.Id, name(ct) + where(ct.PodNamespace, ct.PodName) + " (" + state + ")"})
		}
	}
	if what == offerAll || what == offerNames {
		out = append(out, names(l, name, runtime.ContainerNames(l), what == offerAll, func(ct runtime.Container) string {
			return "container " + printer.TruncID(ct.Id) + where(ct.PodNamespace, ct.PodName)
		})...)
	}
	return out
}

func podCandidates(pods []*runtime.Pod, what offer) []Candidate {
	name := func(p *runtime.Pod) string { return p.GetMetadata().GetName() }
	resolves := runtime.PodNames(pods)
	var out []Candidate
	switch what {
	case offerNamespaces:
		for _, p := range pods {
			out = append(out, Candidate{Word: p.GetMetadata().GetNamespace()})
		}
	case offerNames:
		out = names(pods, name, resolves, false, func(p *runtime.Pod) string { return "pod in " + p.GetMetadata().GetNamespace() })
	case offerIDs, offerAll:
		for _, p := range pods {
			state := strings.ToLower(strings.TrimPrefix(p.State.String(), "SANDBOX_"))
			out = append(out, Candidate{p.Id, p.GetMetadata().GetNamespace() + "/" + name(p) + " (" + state + ")"})
		}
		if what == offerIDs {
			break
		}
		out = append(out, names(pods, name, resolves, true, func(p *runtime.Pod) string {
			return "pod " + printer.TruncID(p.Id) + " in " + p.GetMetadata().GetNamespace()
		})...)
		nsName := func(p *runtime.Pod) string { return p.GetMetadata().GetNamespace() + "/" + name(p) }
		out = append(out, names(pods, nsName, resolves, true, func(p *runtime.Pod) string { return "pod " + printer.TruncID(p.Id) })...)
	}
	return out
}

// imageCandidates offers image IDs without "sha256:" (a candidate cannot
// hold a colon: lines split at the first one), described by their tags,
// and the repository of each ":latest" tag, which resolves to that tag.
func imageCandidates(imgs []*runtime.Image, what offer) []Candidate {
	var out []Candidate
	for _, im := range imgs {
		desc := strings.Join(im.RepoTags, ", ")
		if desc == "" {
			desc = "<none>"
		}
		out = append(out, Candidate{strings.TrimPrefix(im.Id, "sha256:"), desc})
	}
	if what == offerAll {
		for _, im := range imgs {
			for _, t := range im.RepoTags {
				if repo, ok := strings.CutSuffix(t, ":latest"); ok {
					out = append(out, Candidate{repo, "image " + printer.TruncID(im.Id)})
				}
			}
		}
	}
	return out
}

// WriteCandidates prints candidates once each. Words come from the runtime
// and bash's compgen -W expands what it is given, so only words made of
// characters no shell interprets are offered; descriptions are escaped and
// kept to one line.
func WriteCandidates(w io.Writer, cands []Candidate) {
	seen := map[string]bool{}
	var b bytes.Buffer
	for _, c := range cands {
		if !SafeWord(c.Word) || seen[c.Word] {
			continue
		}
		seen[c.Word] = true
		b.WriteString(c.Word)
		if c.Desc != "" {
			b.WriteByte(':')
			b.WriteString(printer.Escape(c.Desc))
		}
		b.WriteByte('\n')
	}
	_, _ = w.Write(b.Bytes())
}

// SafeWord reports whether s is a completion word no shell would expand.
func SafeWord(s string) bool {
	if s == "" || s[0] == '~' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._/@+=,-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// CompletionRequest tells a completion request (the scripts' last word)
// from a command, and whether it must be refused: with "--" before the word
// being completed, urfave/cli turns completion off and runs the command for
// real (exec would run the half-typed command line in the container on
// TAB), so such a request gets no candidates instead.
func CompletionRequest(args []string) (complete, refuse bool) {
	n := len(args)
	if n < 2 || args[n-1] != CompletionFlag {
		return false, false
	}
	return true, n >= 3 && slices.Contains(args[1:n-2], "--")
}

// CompletionScript returns the completion script for shell, for a binary
// called prog ("ctr" or "crictl"). The scripts ask the binary itself for
// candidates, so one script covers every command, and offer file names
// where the binary says files fit (filesDirective), nowhere else. bash's,
// zsh's and fish's are ours; pwsh's is urfave/cli's.
func CompletionScript(prog, shell string) (string, error) {
	if !slices.Contains(cmdutil.Shells, shell) {
		return "", cmdutil.UsageErrorf("unknown shell %q: use one of %s", shell, strings.Join(cmdutil.Shells, ", "))
	}
	fn := "_" + strings.ReplaceAll(prog, "-", "_")
	r := strings.NewReplacer("@PROG@", prog, "@FUNC@", fn+"_complete", "@ZFUNC@", fn, "@DIRECTIVE@", FilesDirective)
	switch shell {
	case "bash":
		return r.Replace(bashScript), nil
	case "zsh":
		return r.Replace(zshScript), nil
	case "fish":
		return r.Replace(fishScript), nil
	}
	var out bytes.Buffer
	gen := &cli.Command{
		Name: prog, EnableShellCompletion: true, Writer: &out, ErrWriter: io.Discard,
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	if err := gen.Run(context.Background(), []string{prog, "completion", shell}); err != nil {
		return "", fmt.Errorf("render %s completion for %s: %w", shell, prog, err)
	}
	// pwsh has no file fallback of ours: drop the directive line, which
	// would otherwise become an empty candidate.
	const each = "Invoke-Expression $other | ForEach-Object {"
	if !strings.Contains(out.String(), each) {
		return "", fmt.Errorf("render %s completion for %s: urfave/cli's script changed", shell, prog)
	}
	return strings.Replace(out.String(), each, "Invoke-Expression $other | Where-Object { $_ -ne '"+FilesDirective+"' } | ForEach-Object {", 1), nil
}

// bashScript completes with bash alone. urfave/cli's script rebuilt the
// command line as a string and eval'ed it, so TAB ran any $(...) or
// backquote typed or pasted earlier on the line, and it needed the
// bash-completion package to rejoin "--flag=value" and "image:tag". Here
// the typed words go to the binary as arguments, exactly as typed; the
// candidates are matched with [[ == prefix* ]] on quoted text, never with
// compgen -W, which expands its word list. No "-o default": files come
// only where the binary says they fit, not whenever it offers nothing
// (ctr cri stop with nothing running).
//
//go:embed scripts/complete.bash
var bashScript string

// zshScript passes the words typed to the binary as arguments (an array
// expansion, never eval) and shows the candidates with their descriptions,
// plus zsh's own file completion where the binary says files fit.
//
//go:embed scripts/complete.zsh
var zshScript string

// fishScript: fish's own file completion is off for @PROG@ (complete -f)
// and the function adds file names where the binary says files fit, so
// they appear for "run <TAB>" and not among the IDs of "stop <TAB>".
//
//go:embed scripts/complete.fish
var fishScript string

// NewCompletionCommand returns a fresh "completion" command: print the shell
// completion script for bash, zsh, fish or pwsh.
func NewCompletionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Print the shell completion script for bash, zsh, fish or pwsh",
		UsageText: "ctr cri completion [bash|zsh|fish|pwsh]",
		Description: `The script completes commands, flags, flag values and, from the runtime,
container, pod and image IDs and names. It asks this binary for candidates,
so it works for every command. It is the same script as "ctr completion SHELL"
(or "crictl completion SHELL" when called as crictl).

    bash:  source <(ctr cri completion bash)
    zsh:   source <(ctr cri completion zsh)     (after compinit)
    fish:  ctr cri completion fish > ~/.config/fish/completions/ctr.fish

make install puts the scripts where bash-completion, zsh and fish look.`,
		Category: cmdutil.CatTools,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			shell := cmd.Args().First()
			if shell == "" {
				shell = "bash" // crictl's default, kept for `source <(crictl completion)`
			}
			script, err := CompletionScript(cmd.Root().Name, shell)
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmdutil.Stdout(cmd), script)
			return err
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounShells, Args: 1, Synopsis: "[bash|zsh|fish|pwsh]", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Enable completion in the running bash",
				"source <(ctr cri completion bash)"),
			cmdutil.Ex("Enable it in zsh, after compinit",
				"source <(ctr cri completion zsh)"),
		),
	}
}
