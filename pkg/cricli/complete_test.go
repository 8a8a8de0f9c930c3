package cricli

import (
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/completion"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// stubs are commands completion knows by name that other branches add,
// with the flags it completes by name; until those are merged, stand-ins
// with no behaviour take their place.
func stubs() []*cli.Command {
	var out []*cli.Command
	for _, name := range []string{"attach", "stop", "start", "logs", "rm", "rmp", "stopp", "rmi", "port-forward"} {
		out = append(out, &cli.Command{Name: name})
	}
	return append(out,
		&cli.Command{Name: "exec", UseShortOptionHandling: true, Flags: []cli.Flag{
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}}, &cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}}}},
		&cli.Command{Name: "events", Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "type"}, &cli.StringFlag{Name: "container"}}},
		&cli.Command{Name: "config", Flags: []cli.Flag{
			&cli.StringFlag{Name: "get"}, &cli.StringSliceFlag{Name: "set"}}},
	)
}

// ctrStubbed is ctr (harness_test.go) on a tree where every name of
// stubbed exists, the real command when there is one.
func ctrStubbed(t *testing.T, ep string, args ...string) result {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CRI_CONFIG_FILE", "")
	cri := withStubs(t, Command())
	root := app.New()
	root.Commands = append(root.Commands, cri)
	argv := []string{"ctr"}
	if ep != "" {
		argv = append(argv, "--address", ep)
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), root, append(argv, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func withStubs(t *testing.T, cri *cli.Command) *cli.Command {
	for _, stub := range stubs() {
		if cri.Command(stub.Name) == nil {
			stub.Action = func(context.Context, *cli.Command) error {
				t.Errorf("stand-in %s ran", stub.Name)
				return nil
			}
			cri.Commands = append(cri.Commands, stub)
		}
	}
	completion.EnableCompletion(cri)
	return cri
}

// complete asks the tree for candidates as the shell scripts do, and returns
// the words offered, with descriptions in a map.
func complete(t *testing.T, ep string, args ...string) ([]string, map[string]string) {
	t.Helper()
	r := ctrStubbed(t, ep, append(args, completion.CompletionFlag)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("completion of %q: exit %d, stderr %q (want 0 and nothing)", args, r.code, r.stderr)
	}
	return parseCandidates(r.stdout)
}

func parseCandidates(out string) ([]string, map[string]string) {
	var ws []string
	desc := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		w, d, _ := strings.Cut(line, ":")
		ws = append(ws, w)
		desc[w] = d
	}
	return ws, desc
}

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return reflect.DeepEqual(g, w)
}

func TestCompleteSubcommandsAndFlagNames(t *testing.T) {
	s := node(t)
	ws, desc := complete(t, s.Endpoint, "cri")
	for _, want := range []string{"ps", "pods", "images", "inspect", "completion", "version"} {
		if !slices.Contains(ws, want) {
			t.Errorf("cri <TAB> lacks %q: %v", want, ws)
		}
	}
	if desc["ps"] == "" {
		t.Errorf("subcommand ps has no description")
	}

	ws, desc = complete(t, s.Endpoint, "cri", "ps", "--st")
	if !reflect.DeepEqual(ws, []string{"--state"}) || !strings.Contains(desc["--state"], "filter by state") {
		t.Errorf("ps --st<TAB> = %v %v, want --state with its usage", ws, desc)
	}
	ws, _ = complete(t, s.Endpoint, "cri", "ps", "-")
	for _, want := range []string{"--all", "--output", "--quiet", "--no-trunc"} {
		if !slices.Contains(ws, want) {
			t.Errorf("ps -<TAB> lacks %s: %v", want, ws)
		}
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("completing names made RPCs %v", calls)
	}
}

func TestCompleteFlagValues(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"cri", "ps", "-o"}, []string{"table", "wide", "json", "yaml", "go-template=", "jsonpath=", "custom-columns="}},
		{[]string{"cri", "ps", "-a", "--output"}, []string{"table", "wide", "json", "yaml", "go-template=", "jsonpath=", "custom-columns="}},
		{[]string{"cri", "inspect", "-o"}, []string{"table", "wide", "json", "yaml", "go-template=", "jsonpath=", "custom-columns="}},
		{[]string{"cri", "info", "-o"}, []string{"json", "yaml", "go-template=", "jsonpath="}},
		{[]string{"cri", "ps", "--output=js"}, []string{"--output=table", "--output=wide", "--output=json", "--output=yaml", "--output=go-template=", "--output=jsonpath=", "--output=custom-columns="}},
		{[]string{"cri", "ps", "--state"}, runtime.ContainerStates},
		{[]string{"cri", "pods", "--state"}, runtime.PodStates},
		{[]string{"cri", "inspectp", "--state"}, runtime.PodStates},
		{[]string{"cri", "images", "--filter"}, []string{"dangling=true", "dangling=false", "reference=", "before=", "since="}},
		{[]string{"cri", "completion"}, []string{"bash", "zsh", "fish", "pwsh"}},
		{[]string{"cri", "events", "--type"}, []string{"created", "started", "stopped", "deleted"}},
		{[]string{"cri", "config", "--get"}, []string{"runtime-endpoint", "image-endpoint", "timeout", "debug", "pull-image-on-create", "disable-pull-on-run", "max-retries"}},
		{[]string{"cri", "config"}, []string{"runtime-endpoint", "image-endpoint", "timeout", "debug", "pull-image-on-create", "disable-pull-on-run", "max-retries"}},
		{[]string{"cri", "config", "--set"}, []string{"runtime-endpoint=", "image-endpoint=", "timeout=", "debug=", "pull-image-on-create=", "disable-pull-on-run=", "max-retries="}},
		// A complete boolean flag is followed by a new word: ps takes none.
		{[]string{"cri", "ps", "-a"}, nil},
		// A flag value given: what follows is positional again.
		{[]string{"cri", "ps", "-o", "json"}, nil},
		// Inherited flags (cri's -r) have no values to offer, and are not
		// mistaken for a partial flag name.
		{[]string{"cri", "info", "-r"}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ws, _ := complete(t, s.Endpoint, tc.args...)
			if !sameSet(ws, tc.want) {
				t.Errorf("got %v, want %v", ws, tc.want)
			}
		})
	}
}

func TestCompleteContainersFromOneListCall(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"exec", []string{ctrW, "nginx", ctrY, "postgres"}},
		{"attach", []string{ctrW, "nginx", ctrY, "postgres"}},
		{"stop", []string{ctrW, "nginx", ctrY, "postgres"}},
		{"inspect", []string{ctrW, "nginx", ctrX, "sidecar", ctrY, "postgres"}},
		{"logs", []string{ctrW, "nginx", ctrX, "sidecar", ctrY, "postgres"}},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			s.RuntimeCalls()
			ws, desc := complete(t, s.Endpoint, "cri", tc.cmd)
			if !sameSet(ws, tc.want) {
				t.Errorf("cri %s <TAB> = %v, want %v", tc.cmd, ws, tc.want)
			}
			if calls := s.RuntimeCalls(); !reflect.DeepEqual(calls, []string{"ListContainers"}) {
				t.Errorf("made RPCs %v, want one ListContainers", calls)
			}
			if d := desc[ctrW]; d != "nginx (running)" {
				t.Errorf("description of %s = %q", ctrW[:13], d)
			}
		})
	}
	// Short flags grouped, as in exec -it, are followed by the container.
	if ws, _ := complete(t, s.Endpoint, "cri", "exec", "-it"); !sameSet(ws, []string{ctrW, "nginx", ctrY, "postgres"}) {
		t.Errorf("exec -it <TAB> = %v", ws)
	}
	// exec completes the container only, not the command run in it.
	if ws, _ := complete(t, s.Endpoint, "cri", "exec", "nginx"); len(ws) != 0 {
		t.Errorf("exec nginx <TAB> offered %v", ws)
	}
	// inspect takes several.
	if ws, _ := complete(t, s.Endpoint, "cri", "inspect", "nginx"); !slices.Contains(ws, ctrY) {
		t.Errorf("inspect nginx <TAB> = %v, want more containers", ws)
	}
	// So does checkpoint: the second container completes as the first.
	if ws, _ := complete(t, s.Endpoint, "cri", "checkpoint", "--export", "x.tar", ctrW); !sameSet(ws, []string{ctrW, "nginx", ctrY, "postgres"}) {
		t.Errorf("checkpoint --export x.tar ID1 <TAB> = %v, want the running containers again", ws)
	}
	// Filters complete from the runtime too, by flag name.
	if ws, _ := complete(t, s.Endpoint, "cri", "ps", "--pod"); !sameSet(ws, []string{podA, podB, "web", "shop/web", "db", "data/db"}) {
		t.Errorf("ps --pod <TAB> = %v, want pod IDs, names and namespace/names", ws)
	}
	if ws, _ := complete(t, s.Endpoint, "cri", "ps", "--namespace"); !sameSet(ws, []string{"shop", "data"}) {
		t.Errorf("ps --namespace <TAB> = %v", ws)
	}
	if ws, _ := complete(t, s.Endpoint, "cri", "ps", "--name"); !sameSet(ws, []string{"nginx", "sidecar", "postgres"}) {
		t.Errorf("ps --name <TAB> = %v", ws)
	}
	if ws, _ := complete(t, s.Endpoint, "cri", "events", "--container"); !sameSet(ws, []string{ctrW, "nginx", ctrX, "sidecar", ctrY, "postgres"}) {
		t.Errorf("events --container <TAB> = %v", ws)
	}
}

func TestCompleteContainerNamesThatResolve(t *testing.T) {
	s := runtimetest.New(t)
	s.SetContainers(
		// A restarted container: the name means the running attempt.
		runtimetest.Container{ID: ctrW, Name: "app", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING, Labels: map[string]string{"io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "shop"}},
		runtimetest.Container{ID: ctrX, Name: "app", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED},
		// One name in two pods: the name is ambiguous.
		runtimetest.Container{ID: ctrY, Name: "job", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED},
		runtimetest.Container{ID: podB, Name: "job", PodID: podB, State: runtimeapi.ContainerState_CONTAINER_EXITED},
	)
	ws, desc := complete(t, s.Endpoint, "cri", "rm")
	if !sameSet(ws, []string{ctrW, ctrX, ctrY, podB, "app"}) {
		t.Errorf("rm <TAB> = %v", ws)
	}
	if want := "container " + ctrW[:13] + " in pod shop/web"; desc["app"] != want {
		t.Errorf("app described as %q, want %q", desc["app"], want)
	}
	// A filter is a regular expression: every name counts there.
	if ws, _ := complete(t, s.Endpoint, "cri", "ps", "--name"); !sameSet(ws, []string{"app", "job"}) {
		t.Errorf("ps --name <TAB> = %v, want both names", ws)
	}
	// The offered name resolves to the container described.
	r := ctr(t, s.Endpoint, "cri", "inspect", "-o", "go-template={{.status.id}}", "app").ok(t)
	if strings.TrimSpace(r.stdout) != ctrW {
		t.Errorf("inspect app resolved to %q", r.stdout)
	}
}

func TestCompletePods(t *testing.T) {
	s := node(t)
	ws, desc := complete(t, s.Endpoint, "cri", "inspectp")
	if !sameSet(ws, []string{podA, "web", "shop/web", podB, "db", "data/db"}) {
		t.Errorf("inspectp <TAB> = %v", ws)
	}
	if desc[podA] != "shop/web (ready)" || desc["web"] != "pod "+podA[:13]+" in shop" {
		t.Errorf("descriptions %q, %q", desc[podA], desc["web"])
	}
	if calls := s.RuntimeCalls(); !reflect.DeepEqual(calls, []string{"ListPodSandbox"}) {
		t.Errorf("made RPCs %v, want one ListPodSandbox", calls)
	}
	// Only a ready pod can be stopped or forwarded into.
	for _, cmd := range []string{"stopp", "port-forward"} {
		if ws, _ := complete(t, s.Endpoint, "cri", cmd); !sameSet(ws, []string{podA, "web", "shop/web"}) {
			t.Errorf("%s <TAB> = %v, want the ready pod only", cmd, ws)
		}
	}
	if ws, _ := complete(t, s.Endpoint, "cri", "port-forward", "web"); len(ws) != 0 {
		t.Errorf("port-forward web <TAB> offered %v, want nothing (ports)", ws)
	}
	if ws, _ := complete(t, s.Endpoint, "cri", "pods", "--id"); !sameSet(ws, []string{podA, podB}) {
		t.Errorf("pods --id <TAB> = %v", ws)
	}
}

func TestCompleteImagesWithTagsAsDescription(t *testing.T) {
	s := node(t)
	ws, desc := complete(t, s.Endpoint, "cri", "rmi")
	b, p := strings.TrimPrefix(imgB, "sha256:"), strings.TrimPrefix(imgP, "sha256:")
	if !sameSet(ws, []string{b, p, "docker.io/library/busybox"}) {
		t.Errorf("rmi <TAB> = %v", ws)
	}
	if desc[b] != "docker.io/library/busybox:latest, localhost:5000/tools/busybox:1.36" || desc[p] != "registry.k8s.io/pause:3.10" {
		t.Errorf("descriptions: %q, %q", desc[b], desc[p])
	}
	if calls := s.ImageCalls(); !reflect.DeepEqual(calls, []string{"ListImages"}) {
		t.Errorf("made RPCs %v, want one ListImages", calls)
	}
	// Every word offered resolves to the image it describes.
	for _, w := range ws {
		r := ctr(t, s.Endpoint, "cri", "inspecti", "-o", "go-template={{.status.id}}", w).ok(t)
		if !strings.Contains(r.stdout, strings.TrimPrefix(imgB, "sha256:")) && !strings.Contains(r.stdout, p) {
			t.Errorf("inspecti %s printed %q", w, r.stdout)
		}
	}
}

func TestCompleteNeverOffersWordsAShellWouldExpand(t *testing.T) {
	s := runtimetest.New(t)
	s.SetContainers(
		runtimetest.Container{ID: ctrW, Name: "$(touch pwned)", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		runtimetest.Container{ID: ctrX, Name: "a:b", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		runtimetest.Container{ID: ctrY, Name: "ok", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING,
			Labels: map[string]string{"io.kubernetes.pod.name": "evil\nname\x1b[2J"}},
	)
	r := ctrStubbed(t, s.Endpoint, "cri", "exec", completion.CompletionFlag).ok(t)
	ws, desc := parseCandidates(r.stdout)
	if !sameSet(ws, []string{ctrW, ctrX, ctrY, "ok"}) {
		t.Errorf("exec <TAB> = %v, want IDs and the one harmless name", ws)
	}
	if strings.Count(r.stdout, "\n") != 4 || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("a description broke a line or kept an escape: %q", r.stdout)
	}
	if !strings.Contains(desc[ctrY], `evil\x0aname\x1b[2J`) {
		t.Errorf("description of %s = %q, want the pod name escaped", ctrY[:13], desc[ctrY])
	}
}

func TestCompleteUnreachableRuntimePrintsNothing(t *testing.T) {
	dir := shortDir(t)
	// A socket that accepts and never answers: only the budget ends the wait.
	silent := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", silent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	for _, ep := range []string{"unix://" + filepath.Join(dir, "missing.sock"), "unix://" + silent} {
		for _, cmd := range []string{"exec", "inspectp", "rmi"} {
			start := time.Now()
			ws, _ := complete(t, ep, "cri", cmd)
			if took := time.Since(start); took > 2*completion.CompletionBudget {
				t.Errorf("%s %s <TAB> took %s", ep, cmd, took)
			}
			if len(ws) != 0 {
				t.Errorf("%s %s <TAB> offered %v", ep, cmd, ws)
			}
		}
	}
}

func TestCompletionAfterDashDashRunsNothing(t *testing.T) {
	s := node(t)
	// urfave/cli runs the command for real when "--" precedes the word
	// being completed; a TAB must never exec in a container or remove.
	for _, args := range [][]string{
		{"cri", "exec", ctrW, "--", "touch", "/x"},
		{"cri", "rm", "--", ctrX},
	} {
		r := ctrStubbed(t, s.Endpoint, append(args, completion.CompletionFlag)...)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Errorf("%q: exit %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
		if calls := s.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%q made RPCs %v", args, calls)
		}
	}
}

func TestCompletionNeverWritesStderr(t *testing.T) {
	s := node(t)
	cri := withStubs(t, Command())
	cri.Commands = append(cri.Commands, &cli.Command{Name: "failing",
		Before: func(ctx context.Context, _ *cli.Command) (context.Context, error) {
			return ctx, errors.New("a hook failed")
		}})
	completion.EnableCompletion(cri)
	root := app.New()
	root.Commands = append(root.Commands, cri)
	var out, errb bytes.Buffer
	Run(context.Background(), root, []string{"ctr", "--address", s.Endpoint, "cri", "failing", completion.CompletionFlag}, &out, &errb)
	if errb.Len() != 0 {
		t.Errorf("completion wrote %q on stderr", errb.String())
	}
	// The same failure outside completion is reported.
	errb.Reset()
	Run(context.Background(), root, []string{"ctr", "cri", "failing"}, &out, &errb)
	if !strings.Contains(errb.String(), "a hook failed") {
		t.Errorf("stderr %q", errb.String())
	}
}

func TestCrictlPersonalityCompletesTheSame(t *testing.T) {
	s := node(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", s.Endpoint)
	var out, errb bytes.Buffer
	code := Run(context.Background(), withStubs(t, CrictlCommand()), []string{"crictl", "exec", completion.CompletionFlag}, &out, &errb)
	if code != 0 || errb.Len() != 0 {
		t.Fatalf("exit %d stderr %q", code, errb.String())
	}
	if ws, _ := parseCandidates(out.String()); !sameSet(ws, []string{ctrW, "nginx", ctrY, "postgres"}) {
		t.Errorf("crictl exec <TAB> = %v", ws)
	}
	out.Reset()
	Run(context.Background(), CrictlCommand(), []string{"crictl", completion.CompletionFlag}, &out, &errb)
	if ws, _ := parseCandidates(out.String()); !slices.Contains(ws, "ps") || !slices.Contains(ws, "completion") {
		t.Errorf("crictl <TAB> = %v", ws)
	}
}

func TestCompletionCommand(t *testing.T) {
	r := ctr(t, "", "cri", "completion", "bash").ok(t)
	if !strings.Contains(r.stdout, "complete -F _ctr_complete ctr") {
		t.Errorf("ctr cri completion bash is not ctr's bash script:\n%s", r.stdout)
	}
	// F16: ctr's own completion command prints the same script, not
	// urfave/cli's, which eval'ed the command line.
	if up := ctr(t, "", "completion", "bash").ok(t); up.stdout != r.stdout || strings.Contains(up.stdout, "eval ") {
		t.Errorf("ctr completion bash differs from ctr cri completion bash or evals:\n%s", up.stdout)
	}
	upstream := ctr(t, "", "completion", "zsh").ok(t)
	if mine := ctr(t, "", "cri", "completion", "zsh").ok(t); mine.stdout != upstream.stdout {
		t.Errorf("ctr cri completion zsh differs from ctr completion zsh")
	}
	ctr(t, "", "cri", "completion", "tcsh").fails(t, ExitUsage, `unknown shell "tcsh"`)
	// A06: no shell means bash, as crictl ("source <(crictl completion)").
	if bare := ctr(t, "", "cri", "completion").ok(t); bare.stdout != r.stdout {
		t.Errorf("ctr cri completion (no shell) is not the bash script")
	}
	ctr(t, "", "cri", "completion", "bash", "zsh").fails(t, ExitUsage, "completion takes [bash|zsh|fish|pwsh], got 2 arguments")

	var out, errb bytes.Buffer
	if code := Run(context.Background(), CrictlCommand(), []string{"crictl", "completion", "fish"}, &out, &errb); code != 0 {
		t.Fatalf("crictl completion fish: exit %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "complete -c crictl") {
		t.Errorf("crictl completion fish is not crictl's script:\n%s", out.String())
	}
}

// TestCompletionValuesAreAccepted walks the whole tree, commands of later
// branches included: every static value offered for a flag passes the
// flag's own validation, and every -o format offered is one the printer
// knows, the flag's default among them.
func TestCompletionValuesAreAccepted(t *testing.T) {
	var walk func(cmd *cli.Command)
	walk = func(cmd *cli.Command) {
		spec := cmdutil.ArgSpecOf(cmd)
		for _, f := range cmd.Flags {
			if !completion.TakesValue(f) {
				continue
			}
			vals := completion.FlagValues(context.Background(), cmd, spec, f)
			name := f.Names()[0]
			if name == "output" {
				sf, ok := f.(*cmdutil.FormatFlag)
				if !ok {
					if _, file := f.(*cli.StringFlag); !file {
						t.Errorf("%s: --output is a %T", cmd.Name, f)
					}
					continue
				}
				if len(vals) == 0 {
					t.Errorf("%s: -o offers no formats from usage %q", cmd.Name, sf.Usage)
				}
				var names []string
				for _, v := range vals {
					format := strings.TrimSuffix(v.Word, "=")
					names = append(names, format)
					if !slices.Contains(append(printer.ListFormats, printer.NDJSON), format) || completion.FormatHelp(format) == "" {
						t.Errorf("%s: -o offers %q, not a printer format", cmd.Name, v.Word)
					}
				}
				if len(vals) > 0 && sf.Value != "" && !slices.Contains(names, sf.Value) {
					t.Errorf("%s: -o default %q is not among the offered %v", cmd.Name, sf.Value, names)
				}
				continue
			}
			if sf, ok := f.(*cli.StringFlag); ok && sf.Validator != nil {
				for _, v := range vals {
					if err := sf.Validator(v.Word); err != nil {
						t.Errorf("%s --%s offers %q, which it rejects: %v", cmd.Name, name, v.Word, err)
					}
				}
			}
		}
		for _, sub := range cmd.Commands {
			walk(sub)
		}
	}
	walk(Command())
}

func TestEveryCommandCompletes(t *testing.T) {
	var walk func(cmd *cli.Command)
	walk = func(cmd *cli.Command) {
		if cmd.ShellComplete == nil {
			t.Errorf("%s has no completion", cmd.FullName())
		}
		for _, sub := range cmd.Commands {
			walk(sub)
		}
	}
	walk(Command())
	walk(CrictlCommand())
}

// A.11: the guide tells users to run "ctr completion bash", so ctr --help
// lists it; crictl's help lists its one completion command once.
func TestHelpListsCompletion(t *testing.T) {
	r := ctr(t, "", "--help").ok(t)
	if !regexp.MustCompile(`(?m)^   completion\s+Print the shell completion script`).MatchString(r.stdout) {
		t.Errorf("ctr --help does not list completion:\n%s", r.stdout)
	}
	c := crictl(t, "--help").ok(t)
	if n := len(regexp.MustCompile(`(?m)^   completion\s`).FindAllString(c.stdout, -1)); n != 1 {
		t.Errorf("crictl --help lists completion %d times:\n%s", n, c.stdout)
	}
}

// Finding #5 below the shells: the candidates end with the files directive
// exactly where a command's argument, or a flag's value, is a file.
func TestCompletionSaysWhereFilesFit(t *testing.T) {
	n := node(t)
	for _, tc := range []struct {
		args  []string
		files bool
	}{
		{[]string{"cri", "run"}, true},
		{[]string{"cri", "run", "c.yaml"}, true},
		{[]string{"cri", "run", "c.yaml", "p.yaml"}, false},
		{[]string{"cri", "runp"}, true},
		{[]string{"cri", "create"}, false}, // the pod first
		{[]string{"cri", "create", "web"}, true},
		{[]string{"cri", "load", "a.tar", "b.tar"}, true},
		{[]string{"cri", "save", "-o"}, true},
		{[]string{"cri", "save", "--output=x"}, true},
		{[]string{"cri", "checkpoint", "--export"}, true},
		{[]string{"cri", "pull", "--pod-config"}, true},
		{[]string{"cri", "-c"}, true},
		{[]string{"cri", "diagnose", "merge"}, true},
		{[]string{"cri", "stop"}, false},
		{[]string{"cri", "inspect"}, false},
		{[]string{"cri", "ps", "--state"}, false},
		{[]string{"cri", "ps", "-o"}, false},
		{[]string{"cri", "load", "--platform"}, false},
		{[]string{"images", "import"}, true}, // ctr's own commands take files
		{[]string{"images"}, false},
	} {
		r := ctrStubbed(t, n.Endpoint, append(tc.args, completion.CompletionFlag)...)
		if got := strings.HasSuffix(r.stdout, completion.FilesDirective+"\n"); got != tc.files {
			t.Errorf("%q<TAB>: files %v, want %v:\n%s", tc.args, got, tc.files, r.stdout)
		}
	}
}

// A flag whose usage names a FILE declares TakesFile, or TAB would not
// offer files for it.
func TestFileFlagsTakeFiles(t *testing.T) {
	var walk func(*cli.Command)
	walk = func(c *cli.Command) {
		for _, f := range c.Flags {
			if d, ok := f.(cli.DocGenerationFlag); ok && strings.Contains(d.GetUsage(), "`FILE") && !completion.TakesFile(f) {
				t.Errorf("%s --%s names a FILE but does not declare TakesFile", c.Name, f.Names()[0])
			}
		}
		for _, s := range c.Commands {
			walk(s)
		}
	}
	walk(Command())
}

// pwsh's script (urfave/cli's) must not offer the files directive as a
// candidate.
func TestPwshScriptDropsTheFilesDirective(t *testing.T) {
	script, err := completion.CompletionScript("ctr", "pwsh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script, "Where-Object { $_ -ne '"+completion.FilesDirective+"' }") {
		t.Errorf("pwsh script passes %s on as a candidate:\n%s", completion.FilesDirective, script)
	}
}
