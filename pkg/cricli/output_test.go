package cricli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// formatSpec is a usable -o value for a format.
func formatSpec(format string) string {
	switch format {
	case printer.GoTemplate:
		return "go-template={{json .}}"
	case printer.JSONPath:
		return "jsonpath={}"
	case printer.CustomColumns:
		return "custom-columns=X:{}"
	}
	return format
}

// formatArgs are the arguments a command needs to get past its own usage
// checks, so that only -o decides.
var formatArgs = map[string][]string{
	"inspecti": {"registry.k8s.io/pause:3.10"},
	"merge":    {"/nonexistent/ctrcri-test/report.json"},
	"config":   {"--list"},
}

// TestEveryAdvertisedFormatIsAccepted walks both trees (ctr cri and the
// crictl personality): every command whose -o is a format is run with each
// format its help lists, which must get past the printer (no usage error),
// and with every other format, which must be a usage error before any RPC
// that names the formats the help lists (finding #6).
func TestEveryAdvertisedFormatIsAccepted(t *testing.T) {
	n := eventsNode(t)
	all := append(slices.Clone(printer.ListFormats), printer.NDJSON)
	for _, crictl := range []bool{false, true} {
		tree := Command()
		if crictl {
			tree = CrictlCommand()
		}
		var walk func(path []string, cmd *cli.Command)
		walk = func(path []string, cmd *cli.Command) {
			for _, sub := range cmd.Commands {
				walk(append(slices.Clone(path), sub.Name), sub)
			}
			f := cmdutil.FormatFlagOf(cmd)
			if f == nil {
				return
			}
			if !strings.Contains(f.Usage, strings.Join(f.Config.Formats, ", ")) {
				t.Errorf("%v: -o help %q does not list %v", path, f.Usage, f.Config.Formats)
			}
			for _, format := range all {
				argv := append(slices.Clone(path), "-o", formatSpec(format))
				argv = append(argv, formatArgs[cmd.Name]...)
				n.RuntimeCalls()
				var r result
				if crictl {
					r = crictlRun(t, n.Endpoint, argv...)
				} else {
					r = ctr(t, n.Endpoint, append([]string{"cri"}, argv...)...)
				}
				advertised := slices.Contains(f.Config.Formats, format)
				// crictl's events says it in crictl's words.
				refused := strings.Contains(r.stderr, "unknown output format") || crictl && strings.Contains(r.stderr, "don't support")
				switch {
				case advertised && refused:
					t.Errorf("crictl=%v %v: help lists %s but it is refused: %s", crictl, argv, format, r.stderr)
				case !advertised && !refused:
					t.Errorf("crictl=%v %v: help does not list %s but it is accepted (exit %d, %s)", crictl, argv, format, r.code, r.stderr)
				case !advertised:
					if want := 2; !crictl && r.code != want {
						t.Errorf("%v: exit %d, want %d", argv, r.code, want)
					}
					if !strings.Contains(r.stderr, strings.Join(f.Config.Formats, ", ")) {
						t.Errorf("%v: the error does not list the accepted formats: %s", argv, r.stderr)
					}
					if calls := n.RuntimeCalls(); len(calls) != 0 {
						t.Errorf("%v: RPCs %v before refusing -o", argv, calls)
					}
				}
			}
		}
		walk(nil, tree)
	}
}

// crictlRun runs the crictl personality against ep.
func crictlRun(t *testing.T, ep string, args ...string) result {
	t.Helper()
	return crictl(t, append([]string{"-r", ep}, args...)...)
}

func TestNoHeadersLeavesOutTheHeaderLine(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"ps", "-a"}, {"ps", "-a", "-o", "wide"}, {"pods"}, {"images"},
		{"ps", "-a", "-o", "custom-columns=NAME:.metadata.name,STATE:.state"},
		{"inspect", "-o", "custom-columns=ID:.status.id", ctrW[:6], ctrY[:6]},
	} {
		with := ctr(t, s.Endpoint, append([]string{"cri"}, args...)...).ok(t)
		without := ctr(t, s.Endpoint, append(append([]string{"cri"}, args...), "--no-headers")...).ok(t)
		header, rest, _ := strings.Cut(with.stdout, "\n")
		if without.stdout != rest || rest == "" {
			t.Errorf("%v --no-headers:\n%s\nwant the table without %q:\n%s", args, without.stdout, header, rest)
		}
	}
}

func TestNoHeadersWithADocumentIsAUsageError(t *testing.T) {
	s := node(t)
	for _, o := range []string{"json", "yaml", "go-template={{.}}", "jsonpath={.containers}"} {
		r := ctr(t, s.Endpoint, "cri", "ps", "--no-headers", "-o", o).fails(t, 2, "--no-headers goes with -o table, wide or custom-columns")
		if strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("-o %s --no-headers: want one line on stderr and nothing on stdout, got %q / %q", o, r.stderr, r.stdout)
		}
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

func TestBadFormatSpecsAreOneLineUsageErrors(t *testing.T) {
	s := node(t)
	for _, tc := range []struct{ o, want string }{
		{"custom-columns=", "custom-columns needs HEADER:EXPR"},
		{"custom-columns=NAME", `"NAME" is not HEADER:EXPR`},
		{"custom-columns=NAME:.metadata.name,:.id", `":.id" is not HEADER:EXPR`},
		{"custom-columns=ID:{.id", "invalid -o jsonpath"},
		{"jsonpath=", "jsonpath needs an expression"},
		{"jsonpath={.containers[*].id", "invalid -o jsonpath"},
		{"jsonpath={.containers[}", "invalid -o jsonpath"},
		{"xml", "use one of table, wide, json, yaml, go-template, jsonpath, custom-columns"},
	} {
		for _, cmd := range []string{"ps", "events", "orphans", "inspect"} {
			r := ctr(t, s.Endpoint, "cri", cmd, "-o", tc.o).fails(t, 2, tc.want)
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "ctr: ") {
				t.Errorf("%s -o %q: want one ctr: line, got %q", cmd, tc.o, r.stderr)
			}
		}
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

func TestJSONPathAndCustomColumnsOnEveryObjectCommand(t *testing.T) {
	n := statsNode(t)
	n.events = []*runtimeapi.ContainerEventResponse{containerEvent(ctrW, "nginx", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT)}
	withContainerd(t, ctrdtest.Mirror(n.Server))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "-o", "jsonpath={.status.metadata.name}", ctrW[:6]}, "nginx\n"},
		{[]string{"inspect", "-o", "custom-columns=NAME:.status.metadata.name", ctrW[:6], ctrY[:6]}, "NAME\nnginx\npostgres\n"},
		{[]string{"inspectp", "-o", "custom-columns=NS:.status.metadata.namespace", "--no-headers", "shop/web"}, "shop\n"},
		{[]string{"inspecti", "-o", "jsonpath={.status.repoTags[0]}", "registry.k8s.io/pause:3.10"}, "registry.k8s.io/pause:3.10\n"},
		{[]string{"stats", "-o", "custom-columns=NAME:.attributes.metadata.name,MEM:.memory.workingSetBytes.value"}, "NAME       MEM\nnginx      12500000\npostgres   64000000\n"},
		{[]string{"statsp", "-o", "jsonpath={.stats}"}, "[]\n"},
		{[]string{"orphans", "-o", "jsonpath={.namespace}"}, "k8s.io\n"},
		{[]string{"version", "-o", "jsonpath={.runtimeName}"}, "fakeRuntime\n"},
		{[]string{"events", "-o", "jsonpath={.containerId}", "--type", "started"}, ctrW + "\n"},
	} {
		r := ctr(t, n.Endpoint, append([]string{"cri"}, tc.args...)...).ok(t)
		if r.stdout != tc.want {
			t.Errorf("%v:\n%q\nwant\n%q", tc.args, r.stdout, tc.want)
		}
	}
}

// TestOrphansJSONListsAreNeverNull: a clean node gives "orphans": [], so
// that jq '.orphans[]' works (finding #13); the same for diagnose's lists.
func TestOrphansJSONListsAreNeverNull(t *testing.T) {
	s := node(t)
	withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "orphans", "-o", "json").ok(t)
	if !strings.Contains(r.stdout, `"orphans": []`) {
		t.Errorf("orphans -o json on a clean node:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "orphans", "-o", "yaml").ok(t)
	if !strings.Contains(r.stdout, "orphans: []\n") {
		t.Errorf("orphans -o yaml on a clean node:\n%s", r.stdout)
	}
	d := diagnoseNode(t)
	withContainerd(t, ctrdtest.Mirror(d))
	for _, o := range []string{"json", "ndjson"} {
		r = ctr(t, d.Endpoint, "cri", "diagnose", "-o", o).ok(t)
		if strings.Contains(r.stdout, "null") {
			t.Errorf("diagnose -o %s has a null:\n%s", o, r.stdout)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if l, ok := doc["orphans"].([]any); !ok || len(l) != 0 {
			t.Errorf("diagnose -o %s: orphans %v, want []", o, doc["orphans"])
		}
	}
}

func TestEventsTableOneLinePerEvent(t *testing.T) {
	n := eventsNode(t)
	at := views.EventTime(testNow.UnixNano())
	r := ctr(t, n.Endpoint, "cri", "events", "-o", "table").ok(t)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("events -o table: want a header and 4 lines, got\n%s", r.stdout)
	}
	for i, want := range [][]string{
		{"TIME", "TYPE", "CONTAINER", "NAME", "ATTEMPT", "POD", "NAMESPACE"},
		{at, "created", ctrW[:13], "nginx", "0", "web", "shop"},
		{at, "started", ctrW[:13], "nginx", "0", "web", "shop"},
		{at, "stopped", ctrY[:13], "postgres", "0", "db", "data"},
		{at, "deleted", ctrY[:13], "postgres", "0", "db", "data"},
	} {
		if got := strings.Fields(lines[i]); !slices.Equal(got, want) {
			t.Errorf("line %d: %q, want fields %q", i, lines[i], want)
		}
	}
	// Columns line up under the header.
	if strings.Index(lines[0], "POD ") != strings.Index(lines[3], "db") {
		t.Errorf("columns do not line up:\n%s", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "events", "-o", "wide", "--no-headers", "--type", "started", "--no-trunc").ok(t)
	if got := strings.Fields(r.stdout); len(got) < 8 || got[2] != ctrW || got[7] != podA {
		t.Errorf("events -o wide --no-trunc: %q, want full IDs and the pod ID", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "events", "-o", "custom-columns=TYPE:.containerEventType,POD:.podSandboxStatus.metadata.name", "--pod", "web").ok(t)
	if r.stdout != "TYPE                      POD\nCONTAINER_CREATED_EVENT   web\nCONTAINER_STARTED_EVENT   web\n" {
		t.Errorf("events custom-columns:\n%s", r.stdout)
	}
	// A hostile name cannot drive the terminal through the table.
	n.events = []*runtimeapi.ContainerEventResponse{containerEvent(ctrW, "x\x1b[2Jy", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT)}
	r = ctr(t, n.Endpoint, "cri", "events", "-o", "table").ok(t)
	if strings.Contains(r.stdout, "\x1b") || !strings.Contains(r.stdout, `x\x1b[2Jy`) {
		t.Errorf("events table did not escape the name: %q", r.stdout)
	}
}

func TestEventsCrictlKeepsCrictlsFormats(t *testing.T) {
	n := eventsNode(t)
	r := crictlRun(t, n.Endpoint, "events", "-o", "table")
	if r.code != 1 || !strings.Contains(r.stderr, `don't support "table" format`) || r.stdout != "" {
		t.Errorf("crictl events -o table: exit %d %q %q; want crictl's refusal, exit 1", r.code, r.stderr, r.stdout)
	}
}

// kubectl users glue the format to -o; it means what -o FORMAT means.
func TestGluedOutputFormat(t *testing.T) {
	s := node(t)
	for _, tc := range [][2][]string{
		{{"ps", "-ojson"}, {"ps", "-o", "json"}},
		{{"ps", "-a", "-owide"}, {"ps", "-a", "-o", "wide"}},
		{{"pods", "-ojsonpath={.items[*].metadata.name}"}, {"pods", "-o", "jsonpath={.items[*].metadata.name}"}},
		{{"images", "-ocustom-columns=ID:.id", "--no-headers"}, {"images", "-o", "custom-columns=ID:.id", "--no-headers"}},
		{{"inspect", "-oyaml", ctrW[:5]}, {"inspect", "-o", "yaml", ctrW[:5]}},
	} {
		glued := ctr(t, s.Endpoint, append([]string{"cri"}, tc[0]...)...).ok(t)
		spaced := ctr(t, s.Endpoint, append([]string{"cri"}, tc[1]...)...).ok(t)
		if glued.stdout != spaced.stdout || glued.stdout == "" {
			t.Errorf("%v printed\n%s\nwant what %v prints:\n%s", tc[0], glued.stdout, tc[1], spaced.stdout)
		}
	}
	ctr(t, s.Endpoint, "cri", "info", "-owide").fails(t, 2, `unknown output format "wide": use one of json, yaml, go-template, jsonpath`)
	if r := crictlRun(t, s.Endpoint, "ps", "-ojsonpath={.containers[*].metadata.name}"); r.code != 0 || r.stdout != "postgres nginx\n" {
		t.Errorf("crictl ps -ojsonpath=: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// orphans -o wide names the command that removes each orphan.
func TestOrphansWideNamesTheRemedy(t *testing.T) {
	s := node(t)
	cd := ctrdtest.Mirror(s)
	cd.Records = append(cd.Records, ctrd.Container{ID: "handmade0000000000000"})
	cd.TaskList = append(cd.TaskList, ctrd.Task{ID: "handmade0000000000000", PID: 4242, Status: "running"})
	cd.TaskList = slices.DeleteFunc(cd.TaskList, func(tk ctrd.Task) bool { return tk.ID == ctrY })
	withContainerd(t, cd)
	r := ctr(t, s.Endpoint, "cri", "orphans", "-o", "wide").ok(t)
	for _, want := range []string{
		"REMOVE WITH",
		"ctr -n k8s.io tasks rm -f handmade0000000000000 && ctr -n k8s.io containers rm handmade0000000000000\n",
		"ctr cri rm -f " + ctrY + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("orphans -o wide lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := ctr(t, s.Endpoint, "cri", "orphans").ok(t); strings.Contains(r.stdout, "REMOVE WITH") {
		t.Errorf("the remedy is a wide column:\n%s", r.stdout)
	}
}

// inspect -o table names the container's pod, from the list that resolved
// it (no extra RPC); crictl's personality keeps crictl's text.
func TestInspectTableNamesThePod(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "-o", "table", "nginx", "postgres").ok(t)
	if !strings.Contains(r.stdout, "Name: nginx\nPod: shop/web\n") || !strings.Contains(r.stdout, "Name: postgres\nPod: data/db\n") {
		t.Errorf("inspect -o table:\n%s", r.stdout)
	}
	if got := callCounts(s.RuntimeCalls()); got["ListContainers"] != 1 || got["ListPodSandbox"] != 1 || got["ContainerStatus"] != 2 {
		t.Errorf("RPCs %v: want one list of each and a status per target", got)
	}
	if r := crictlRun(t, s.Endpoint, "inspect", "-o", "table", "nginx"); r.code != 0 || strings.Contains(r.stdout, "Pod:") {
		t.Errorf("crictl inspect -o table: exit %d\n%s", r.code, r.stdout)
	}
}
