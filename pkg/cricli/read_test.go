package cricli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

func TestPsTableShowsPodNameAndNamespaceFromSandboxList(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "ps").ok(t)
	golden(t, "ps.txt", r.stdout)
	if got := s.RuntimeCalls(); !reflect.DeepEqual(callCounts(got), map[string]int{"ListContainers": 1, "ListPodSandbox": 1}) {
		t.Errorf("ps made RPCs %v, want exactly ListContainers + ListPodSandbox", got)
	}
}

func TestPsAllWideNoTrunc(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "ps", "-a", "-o", "wide", "--no-trunc").ok(t)
	golden(t, "ps-a-wide.txt", r.stdout)
}

func TestPsRPCCountIsConstantInN(t *testing.T) {
	s := runtimetest.New(t)
	for _, n := range []int{1, 200} {
		var cs []runtimetest.Container
		for i := range n {
			cs = append(cs, runtimetest.Container{ID: fmt.Sprintf("%064d", i), Name: fmt.Sprint("c", i), PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING})
		}
		s.SetContainers(cs...)
		s.RuntimeCalls()
		ctr(t, s.Endpoint, "cri", "ps", "-a", "-r", "--image", "busybox").ok(t)
		if rt, img := s.RuntimeCalls(), s.ImageCalls(); len(rt) != 2 || len(img) != 1 {
			t.Errorf("n=%d: ps made runtime RPCs %v and image RPCs %v; want 2 and 1", n, rt, img)
		}
	}
}

func TestPsFilters(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-a"}, []string{ctrY, ctrX, ctrW}},
		{[]string{}, []string{ctrY, ctrW}},
		{[]string{"-a", "--state", "exited"}, []string{ctrX}},
		{[]string{"--name", "^ng"}, []string{ctrW}},
		{[]string{"--pod-name", "web", "-a"}, []string{ctrX, ctrW}},
		{[]string{"--namespace", "data"}, []string{ctrY}},
		{[]string{"--pod", podB[:6]}, []string{ctrY}},
		{[]string{"--id", "c3d4ff", "-a"}, []string{ctrX}},
		{[]string{"--label", "tier=front"}, []string{ctrW}},
		{[]string{"--image", "busybox", "-a"}, []string{ctrX, ctrW}},
		{[]string{"--image", imgP[7:19]}, []string{ctrY}},
		{[]string{"-l"}, []string{ctrY}},
		{[]string{"-n", "2"}, []string{ctrY, ctrX}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := ctr(t, s.Endpoint, append([]string{"cri", "ps", "-q"}, tc.args...)...).ok(t)
			if got := strings.Fields(r.stdout); !equalIDs(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPsJSONIsCrictlShapeAndDeterministic(t *testing.T) {
	s := node(t)
	a := ctr(t, s.Endpoint, "cri", "ps", "-a", "-o", "json").ok(t)
	b := ctr(t, s.Endpoint, "cri", "ps", "-a", "-o", "json").ok(t)
	if a.stdout != b.stdout {
		t.Fatal("two runs of ps -o json printed different bytes")
	}
	var doc struct {
		Containers []struct {
			ID           string `json:"id"`
			PodSandboxID string `json:"podSandboxId"`
			CreatedAt    string `json:"createdAt"`
			State        string `json:"state"`
		} `json:"containers"`
	}
	if err := json.Unmarshal([]byte(a.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Containers) != 3 || doc.Containers[0].ID != ctrY || doc.Containers[0].State != "CONTAINER_RUNNING" {
		t.Errorf("unexpected document %+v", doc)
	}
	if doc.Containers[0].CreatedAt == "" {
		t.Error("createdAt (int64) should be a protojson string")
	}
	golden(t, "ps.json", a.stdout)
}

func TestPsYAMLTemplateJSONPathCustomColumns(t *testing.T) {
	s := node(t)
	// The yaml document is the json one, value for value.
	r := ctr(t, s.Endpoint, "cri", "ps", "-o", "yaml").ok(t)
	j := ctr(t, s.Endpoint, "cri", "ps", "-o", "json").ok(t)
	var fromYAML, fromJSON any
	if asJSON, err := yaml.YAMLToJSON([]byte(r.stdout)); err != nil {
		t.Errorf("ps -o yaml is not a yaml document: %v\n%s", err, r.stdout)
	} else if err := json.Unmarshal(asJSON, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(j.stdout), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		t.Errorf("ps -o yaml and -o json differ:\nyaml %v\njson %v", fromYAML, fromJSON)
	}
	if n := len(fromJSON.(map[string]any)["containers"].([]any)); n != 2 {
		t.Errorf("ps -o yaml lists %d containers, want 2", n)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-o", "go-template={{range .containers}}{{.metadata.name | upper}} {{end}}").ok(t)
	if r.stdout != "POSTGRES NGINX \n" {
		t.Errorf("go-template printed %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-o", "go-template", "--template", "{{len .containers}}").ok(t)
	if r.stdout != "2\n" {
		t.Errorf("--template printed %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-o", "jsonpath={.containers[*].metadata.name}").ok(t)
	if r.stdout != "postgres nginx\n" {
		t.Errorf("jsonpath printed %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-o", "custom-columns=NAME:.metadata.name,STATE:.state").ok(t)
	golden(t, "ps-custom-columns.txt", r.stdout)
}

func TestBadOutputFormatIsUsageErrorBeforeAnyRPC(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"cri", "ps", "-o", "xml"},
		{"cri", "pods", "-o", "toml"},
		{"cri", "images", "-o", "jsonpath="},
		{"cri", "info", "-o", "table"},
		{"cri", "ps", "-o", "go-template={{.x"},
	} {
		r := ctr(t, s.Endpoint, args...).fails(t, 2)
		if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "ctr: ") || r.stdout != "" {
			t.Errorf("%v: want exactly one 'ctr: …' line and no stdout; got %q / %q", args, r.stderr, r.stdout)
		}
	}
	if calls := append(s.RuntimeCalls(), s.ImageCalls()...); len(calls) != 0 {
		t.Errorf("bad -o still made RPCs: %v", calls)
	}
	ctr(t, s.Endpoint, "cri", "ps", "-o", "xml").fails(t, 2, `unknown output format "xml": use one of table, wide, json`)
}

func TestUsageErrors(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "ps", "--bogus").fails(t, 2, "flag provided but not defined: -bogus")
	ctr(t, s.Endpoint, "cri", "ps", "--state", "sleeping").fails(t, 2, `invalid --state "sleeping"`)
	ctr(t, s.Endpoint, "cri", "ps", "--label", "app!").fails(t, 2, `invalid --label "app!"`)
	ctr(t, s.Endpoint, "cri", "ps", "--name", "(").fails(t, 2, "invalid name regular expression")
	ctr(t, s.Endpoint, "cri", "ps", "extra").fails(t, 2, "ps takes no arguments")
	ctr(t, s.Endpoint, "cri", "nosuch").fails(t, 2, `unknown command "nosuch"`)
	ctr(t, s.Endpoint, "cri", "images", "--filter", "color=red").fails(t, 2, `invalid filter "color=red"`)
	ctr(t, s.Endpoint, "cri", "inspecti", "-f", "color=red").fails(t, 2, `invalid filter "color=red"`)
}

func TestEscapesControlCharactersInTables(t *testing.T) {
	s := runtimetest.New(t)
	s.SetPods(runtimetest.Pod{ID: podA, Name: "p\x1b]0;pwned\x07", Namespace: "ns", State: runtimeapi.PodSandboxState_SANDBOX_READY})
	s.SetContainers(runtimetest.Container{ID: ctrW, Name: "evil\x1b[2J", PodID: podA, Image: "img\x1b[31m", State: runtimeapi.ContainerState_CONTAINER_RUNNING})
	r := ctr(t, s.Endpoint, "cri", "ps").ok(t)
	if strings.ContainsRune(r.stdout, 0x1b) || strings.ContainsRune(r.stdout, 0x07) {
		t.Fatalf("raw control bytes reached the terminal: %q", r.stdout)
	}
	for _, want := range []string{`evil\x1b[2J`, `img\x1b[31m`, `p\x1b]0;pwned\x07`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks escaped %q:\n%s", want, r.stdout)
		}
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-v").ok(t)
	if strings.ContainsRune(r.stdout, 0x1b) {
		t.Fatalf("verbose output carries raw ESC: %q", r.stdout)
	}
}

func TestPods(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "pods").ok(t)
	golden(t, "pods.txt", r.stdout)
	if got := s.RuntimeCalls(); !reflect.DeepEqual(got, []string{"ListPodSandbox"}) {
		t.Errorf("pods made %v", got)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{podB, podA}},
		{[]string{"--state", "ready"}, []string{podA}},
		{[]string{"--name", "w.b"}, []string{podA}},
		{[]string{"--namespace", "^data$"}, []string{podB}},
		{[]string{"--label", "app=web"}, []string{podA}},
		{[]string{"--id", podA[:5]}, []string{podA}},
		{[]string{"--last", "1"}, []string{podB}},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri", "pods", "-q"}, tc.args...)...).ok(t)
		if got := strings.Fields(r.stdout); !equalIDs(got, tc.want) {
			t.Errorf("pods %v: got %v, want %v", tc.args, got, tc.want)
		}
	}
	r = ctr(t, s.Endpoint, "cri", "pods", "-o", "json").ok(t)
	if !strings.HasPrefix(r.stdout, "{\n  \"items\": [") {
		t.Errorf("pods -o json is not crictl's {\"items\": …}: %.40q", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "pods", "--state", "gone").fails(t, 2, `invalid --state "gone"`)
}

func TestImages(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "images").ok(t)
	golden(t, "images.txt", r.stdout)
	r = ctr(t, s.Endpoint, "cri", "images", "--digests", "--pinned").ok(t)
	golden(t, "images-digests-pinned.txt", r.stdout)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"busybox"}, []string{imgB}},
		{[]string{"busybox:nope"}, nil},
		{[]string{"registry.k8s.io/pause"}, []string{imgP}},
		// crictl's reference=: a regular expression on the repository.
		{[]string{"--filter", "reference=pause"}, []string{imgP}},
		{[]string{"--filter", "reference=busybox$"}, []string{imgB}},
		{[]string{"--filter", "reference=busybox:latest"}, nil},
		// crictl's since=X: the images listed before X (by name).
		{[]string{"--filter", "since=registry.k8s.io/pause:3.10"}, []string{imgB}},
		{[]string{"--filter", "before=docker.io/library/busybox:latest"}, []string{imgP}},
		{[]string{"--filter", "dangling=true"}, nil},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri", "images", "-q"}, tc.args...)...).ok(t)
		if got := strings.Fields(r.stdout); !equalIDs(got, tc.want) {
			t.Errorf("images %v: got %v, want %v", tc.args, got, tc.want)
		}
	}
	ctr(t, s.Endpoint, "cri", "images", "--filter", "reference=*pause*").fails(t, 2, "regular expression")
	if got := s.ImageCalls(); len(got) != 11 {
		t.Errorf("each images call should make one ListImages, got %v", got)
	}
}

func TestInspectResolvesPrefixAndName(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "nginx").ok(t)
	var one map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil {
		t.Fatalf("one target should print one object: %v\n%s", err, r.stdout)
	}
	if st := one["status"].(map[string]any); st["id"] != ctrW {
		t.Errorf("inspect nginx resolved to %v", st["id"])
	}
	r = ctr(t, s.Endpoint, "cri", "inspect", ctrY[:6], "nginx").ok(t)
	var many []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &many); err != nil || len(many) != 2 {
		t.Fatalf("two targets should print an array of 2: %v\n%s", err, r.stdout)
	}
	// Resolution is one list call (plus the pod join), then one status call
	// per target: two runs, three targets.
	calls := s.RuntimeCalls()
	want := map[string]int{"ListContainers": 2, "ListPodSandbox": 2, "ContainerStatus": 3}
	if !reflect.DeepEqual(callCounts(calls), want) {
		t.Errorf("calls %v, want counts %v", calls, want)
	}
}

func TestInspectUnknownAndAmbiguous(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "inspect", "zzz").fails(t, 1, `ctr: container "zzz": not found`)
	r := ctr(t, s.Endpoint, "cri", "inspect", "c3d4").fails(t, 1, `container "c3d4": ambiguous, matches`)
	if !strings.Contains(r.stderr, "c3d4e5f6a7b8c (nginx attempt 0 in pod shop/web)") || !strings.Contains(r.stderr, "c3d4ffffa7b8c (sidecar attempt 2 in pod shop/web)") {
		t.Errorf("ambiguity should list the candidates: %q", r.stderr)
	}
	// One good and one bad target: the good one prints, the bad one fails.
	r = ctr(t, s.Endpoint, "cri", "inspect", "nginx", "zzz").fails(t, 1, `container "zzz": not found`)
	if !strings.Contains(r.stdout, ctrW) {
		t.Error("the target that resolved should still be printed")
	}
}

func TestInspectWithFiltersAndNothingFound(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "--state", "exited", "-o", "go-template={{.status.metadata.name}}").ok(t)
	if r.stdout != "sidecar\n" {
		t.Errorf("got %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspect", "--name", "nomatch")
	if r.code != 0 || r.stdout != "" || r.stderr != "ctr: No IDs provided or nothing found per filter\n" {
		t.Errorf("empty selection: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestInspectpAndInspecti(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspectp", "shop/web").ok(t)
	if !strings.Contains(r.stdout, podA) {
		t.Errorf("inspectp shop/web: %s", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "inspectp", "nope").fails(t, 1, `pod "nope": not found`)
	r = ctr(t, s.Endpoint, "cri", "inspecti", "busybox", "-o", "go-template={{.status.id}}").ok(t)
	if r.stdout != imgB+"\n" {
		t.Errorf("inspecti busybox: %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspecti", "e1f2a3").ok(t)
	if !strings.Contains(r.stdout, imgB) {
		t.Errorf("inspecti by ID prefix: %s", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "inspecti", "nginx:latest").fails(t, 1, `image "nginx:latest": not found`)
}

func TestVersionInfoRuntimeConfigImageFsInfo(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "version").ok(t)
	for _, want := range []string{"RuntimeName:  fakeRuntime", "RuntimeApiVersion:  0.1.0", "Client Version:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version lacks %q:\n%s", want, r.stdout)
		}
	}
	r = ctr(t, s.Endpoint, "cri", "version", "-o", "json").ok(t)
	if !strings.Contains(r.stdout, `"runtimeName": "fakeRuntime"`) {
		t.Errorf("version json: %s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "info").ok(t)
	var info map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, `"type": "RuntimeReady"`) {
		t.Errorf("info lacks RuntimeReady condition: %s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "info", "-o", "go-template={{range .status.conditions}}{{.type}}={{.status}} {{end}}").ok(t)
	if r.stdout != "RuntimeReady=true NetworkReady=true \n" {
		t.Errorf("info template: %q", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "runtime-config").ok(t)
	ctr(t, s.Endpoint, "cri", "imagefsinfo").ok(t)
	ctr(t, s.Endpoint, "cri", "imagefsinfo", "-o", "json").ok(t)
	ctr(t, s.Endpoint, "cri", "version", "x").fails(t, 2, "version takes no arguments")
}

func equalIDs(a, b []string) bool { return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b) }
