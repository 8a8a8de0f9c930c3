package cricli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	apitest "k8s.io/cri-api/pkg/apis/testing"

	"github.com/ctrcri/ctrcri/pkg/cricli/containers"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

const (
	podConfigYAML = `metadata:
  name: box
  namespace: test
  uid: uid-box
linux:
  cgroup_parent: /testpods/box
  security_context:
    namespace_options:
      network: 2
`
	ctrConfigYAML = `metadata:
  name: sleeper
image:
  image: docker.io/library/busybox:latest
command: [sleep, "3600"]
`
)

// file writes a fixture and returns its path.
func file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ctrIn is ctr with stdin.
func ctrIn(t *testing.T, ep, stdin string, args ...string) result {
	t.Helper()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "")
	t.Setenv("CRI_CONFIG_FILE", "")
	root := app.New()
	root.Commands = append(root.Commands, Command())
	root.Reader = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	code := Run(context.Background(), root, append([]string{"ctr", "--address", ep}, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func calls(s *runtimetest.Server) []string { return append(s.RuntimeCalls(), s.ImageCalls()...) }

// sameCalls compares recorded RPCs with want by count: list calls of one
// command run concurrently, their order is not part of the contract.
func sameCalls(got []string, want ...string) bool {
	return reflect.DeepEqual(callCounts(got), callCounts(want))
}

func lines(s string) []string { return strings.Fields(s) }

func TestRunpPrintsPodIDWithHandler(t *testing.T) {
	s := runtimetest.New(t)
	r := ctr(t, s.Endpoint, "cri", "runp", "-r", "runc", file(t, "pod.yaml", podConfigYAML)).ok(t)
	id := apitest.BuildSandboxName(&runtimeapi.PodSandboxMetadata{Name: "box", Namespace: "test", Uid: "uid-box"})
	if r.stdout != id+"\n" {
		t.Errorf("runp printed %q, want the pod ID %q", r.stdout, id)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "RunPodSandbox") {
		t.Errorf("runp made %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "pods", "-o", "go-template={{range .items}}{{.runtimeHandler}} {{.metadata.name}}{{end}}").ok(t)
	if r.stdout != "runc box\n" {
		t.Errorf("pod handler/name: %q", r.stdout)
	}
}

func TestRunpBadConfigFailsBeforeAnyRPC(t *testing.T) {
	s := runtimetest.New(t)
	bad := file(t, "pod.yaml", strings.Replace(podConfigYAML, "  namespace: test", "  namespace: test\n  labels: {}", 1))
	r := ctr(t, s.Endpoint, "cri", "runp", bad).fails(t, 2, bad+`:4:3: metadata.labels: unknown field in PodSandboxMetadata`)
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one error line, got %q", r.stderr)
	}
	ctr(t, s.Endpoint, "cri", "runp", filepath.Join(t.TempDir(), "missing.yaml")).fails(t, 2, "missing.yaml: cannot read: no such file or directory")
	ctr(t, s.Endpoint, "cri", "runp").fails(t, 2, "runp takes POD-CONFIG.json|yaml, got 0 arguments")
	ctr(t, s.Endpoint, "cri", "runp", "-T", "-1s", file(t, "p.yaml", podConfigYAML)).fails(t, 2, "invalid --cancel-timeout")
	if c := calls(s); len(c) != 0 {
		t.Errorf("bad input still made RPCs: %v", c)
	}
}

func TestJSONSchemaSubcommands(t *testing.T) {
	schema := func(args ...string) map[string]any {
		t.Helper()
		r := ctr(t, "", append([]string{"cri"}, args...)...).ok(t)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("%v: not one JSON document: %v\n%s", args, err, r.stdout)
		}
		return m
	}
	if m := schema("runp", "jsonschema"); m["$ref"] != "#/$defs/PodSandboxConfig" {
		t.Errorf("runp jsonschema $ref %v", m["$ref"])
	}
	if m := schema("create", "jsonschema"); m["$ref"] != "#/$defs/ContainerConfig" {
		t.Errorf("create jsonschema $ref %v", m["$ref"])
	}
	if m := schema("create", "jsonschema", "-p"); m["$ref"] != "#/$defs/PodSandboxConfig" {
		t.Errorf("create jsonschema -p $ref %v", m["$ref"])
	}
	if m := schema("pull", "js"); m["$ref"] != "#/$defs/PodSandboxConfig" {
		t.Errorf("pull js $ref %v", m["$ref"])
	}
}

func TestCreateResolvesPodAndPullsOnlyWhenMissing(t *testing.T) {
	s := node(t)
	ctrCfg, podCfg := file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)
	r := ctr(t, s.Endpoint, "cri", "create", "shop/web", ctrCfg, podCfg).ok(t)
	want := apitest.BuildContainerName(&runtimeapi.ContainerMetadata{Name: "sleeper"}, podA)
	if r.stdout != want+"\n" {
		t.Errorf("create printed %q, want %q", r.stdout, want)
	}
	if rt, img := s.RuntimeCalls(), s.ImageCalls(); !sameCalls(rt, "ListPodSandbox", "CreateContainer") ||
		!sameCalls(img, "ImageStatus", "PullImage") {
		t.Errorf("create made %v and %v; want one pod list, a status check, a pull and the create", rt, img)
	}
	// Present now (the fake stores pulled images by name): no second pull.
	ctr(t, s.Endpoint, "cri", "create", podA[:6], ctrCfg, podCfg).ok(t)
	if img := s.ImageCalls(); !sameCalls(img, "ImageStatus") {
		t.Errorf("image present: %v", img)
	}
	for _, args := range [][]string{{"--pull", "never"}, {"--no-pull"}} {
		ctr(t, s.Endpoint, append(append([]string{"cri", "create"}, args...), "web", ctrCfg, podCfg)...).ok(t)
		if img := s.ImageCalls(); len(img) != 0 {
			t.Errorf("%v still touched images: %v", args, img)
		}
	}
	ctr(t, s.Endpoint, "cri", "create", "--with-pull", "web", ctrCfg, podCfg).ok(t)
	if img := s.ImageCalls(); !sameCalls(img, "PullImage") {
		t.Errorf("--with-pull: %v", img)
	}
}

func TestCreateBadInput(t *testing.T) {
	s := node(t)
	ctrCfg, podCfg := file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)
	ctr(t, s.Endpoint, "cri", "create", "--with-pull", "--no-pull", "web", ctrCfg, podCfg).fails(t, 2, "contradict")
	ctr(t, s.Endpoint, "cri", "create", "--pull", "sometimes", "web", ctrCfg, podCfg).fails(t, 2, `invalid --pull "sometimes"`)
	ctr(t, s.Endpoint, "cri", "create", "web", ctrCfg).fails(t, 2, "create takes POD CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml, got 2 arguments")
	noImage := file(t, "c.yaml", "metadata: {name: x}\n")
	ctr(t, s.Endpoint, "cri", "create", "web", noImage, podCfg).fails(t, 2, "image.image: required")
	if c := calls(s); len(c) != 0 {
		t.Errorf("bad input made RPCs: %v", c)
	}
	ctr(t, s.Endpoint, "cri", "create", "nope", ctrCfg, podCfg).fails(t, 1, `pod "nope": not found`)
	if c := s.RuntimeCalls(); slices.Contains(c, "CreateContainer") {
		t.Errorf("create in an unknown pod still called CreateContainer: %v", c)
	}
}

func TestRunStartsPodAndContainer(t *testing.T) {
	s := runtimetest.New(t)
	r := ctr(t, s.Endpoint, "cri", "run", file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)).ok(t)
	pod := apitest.BuildSandboxName(&runtimeapi.PodSandboxMetadata{Name: "box", Namespace: "test", Uid: "uid-box"})
	if want := apitest.BuildContainerName(&runtimeapi.ContainerMetadata{Name: "sleeper"}, pod); r.stdout != want+"\n" {
		t.Errorf("run printed %q, want the container ID %q", r.stdout, want)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "RunPodSandbox", "CreateContainer", "StartContainer") {
		t.Errorf("run made %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-q", "--no-trunc").ok(t)
	if !strings.Contains(r.stdout, pod) {
		t.Errorf("the container should be running: %q", r.stdout)
	}
}

func TestRunRemovesThePodItMadeWhenAStepFails(t *testing.T) {
	s := runtimetest.New(t)
	s.RuntimeService.InjectError("StartContainer", errors.New("exec: no such file"))
	r := ctr(t, s.Endpoint, "cri", "run", file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)).fails(t, 1, "start container", "exec: no such file", "(the pod it started was removed again)")
	if r.stdout != "" {
		t.Errorf("a failed run printed %q", r.stdout)
	}
	got := s.RuntimeCalls()
	if !slices.Equal(got[len(got)-2:], []string{"StopPodSandbox", "RemovePodSandbox"}) {
		t.Errorf("run should stop and remove its pod after a failure: %v", got)
	}
	if r := ctr(t, s.Endpoint, "cri", "pods", "-q").ok(t); r.stdout != "" {
		t.Errorf("pod left behind: %q", r.stdout)
	}
	s.ImageService.InjectError("PullImage", errors.New("registry says no"))
	ctr(t, s.Endpoint, "cri", "run", "--pull", "always", file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)).fails(t, 1, "registry says no")
	if r := ctr(t, s.Endpoint, "cri", "pods", "-q").ok(t); r.stdout != "" {
		t.Errorf("pod left behind after a failed pull: %q", r.stdout)
	}
}

func TestRunMalformedConfigMakesNoPod(t *testing.T) {
	s := runtimetest.New(t)
	bad := file(t, "c.yaml", "metadata: {name: x}\nimage: {image: busybox}\ncommand: sleep 1\n")
	ctr(t, s.Endpoint, "cri", "run", bad, file(t, "p.yaml", podConfigYAML)).fails(t, 2, bad+":3:10: command: want a list of strings, got sleep 1")
	if c := calls(s); len(c) != 0 {
		t.Errorf("a malformed config reached the runtime: %v", c)
	}
}

func TestStartStopByIDPrefixAndName(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "stop", "nginx", ctrY[:5]).ok(t)
	if got := lines(r.stdout); !slices.Equal(got, []string{ctrW, ctrY}) {
		t.Errorf("stop printed %v, want full IDs in argument order", got)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "ListContainers", "ListPodSandbox", "StopContainer", "StopContainer") {
		t.Errorf("stop made %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "start", "sidecar").ok(t)
	if r.stdout != ctrX+"\n" {
		t.Errorf("start printed %q", r.stdout)
	}
}

func TestStopUnknownIDIsAnError(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "stop", "zzz", "nginx").fails(t, 1, `ctr: container "zzz": not found`)
	if r.stdout != ctrW+"\n" {
		t.Errorf("the known target should still be stopped and printed: %q", r.stdout)
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("one line per failure: %q", r.stderr)
	}
	ctr(t, s.Endpoint, "cri", "stopp", "nope").fails(t, 1, `ctr: pod "nope": not found`)
	ctr(t, s.Endpoint, "cri", "stop", "c3d4").fails(t, 1, `container "c3d4": ambiguous`)
}

func TestStopFlags(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "stop").fails(t, 2, "stop needs at least one container")
	ctr(t, s.Endpoint, "cri", "stop", "-a", "nginx").fails(t, 2, "not both")
	ctr(t, s.Endpoint, "cri", "stop", "-t", "-5", "nginx").fails(t, 2, "must not be negative")
	if c := calls(s); len(c) != 0 {
		t.Errorf("usage errors made RPCs: %v", c)
	}
	r := ctr(t, s.Endpoint, "cri", "stop", "-a", "-t", "1").ok(t)
	if got := lines(r.stdout); !slices.Equal(got, []string{ctrY, ctrW}) {
		t.Errorf("stop -a stops the running containers: %v", got)
	}
	// ctr cri's own -t (per-RPC timeout) still works before the subcommand.
	r = ctr(t, s.Endpoint, "cri", "-t", "5s", "--debug", "stop", "-t", "3", "nginx")
	if r.code != 0 || !strings.Contains(r.stderr, "timeout 5s") || !strings.Contains(r.stderr, "timeout:3") {
		t.Errorf("stop -t should not hide cri -t: exit %d\n%s", r.code, r.stderr)
	}
}

func TestStopp(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "stopp", "shop/web", podB[:4]).ok(t)
	if got := strings.Split(strings.TrimSpace(r.stdout), "\n"); !slices.Equal(got, []string{"Stopped sandbox " + podA, "Stopped sandbox " + podB}) {
		t.Errorf("stopp printed %v; want crictl's lines", got)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "ListPodSandbox", "StopPodSandbox", "StopPodSandbox") {
		t.Errorf("stopp made %v", got)
	}
	s = node(t)
	r = ctr(t, s.Endpoint, "cri", "stopp", "-a").ok(t)
	if r.stdout != "Stopped sandbox "+podA+"\n" {
		t.Errorf("stopp -a stops the ready pods only: %q", r.stdout)
	}
	ctr(t, s.Endpoint, "cri", "stopp").fails(t, 2, "at least one pod")
}

func TestRmRefusesRunningUnlessForced(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "rm", "-k", "nginx", "sidecar").fails(t, 1, "remove container", "it is running", "rm -f")
	if r.stdout != ctrX+"\n" {
		t.Errorf("the exited container should be removed: %q", r.stdout)
	}
	// crictl prints the ID once when stopped and once when removed.
	r = ctr(t, s.Endpoint, "cri", "rm", "-f", "-k", "nginx").ok(t)
	if r.stdout != ctrW+"\n"+ctrW+"\n" {
		t.Errorf("rm -f printed %q", r.stdout)
	}
	s.RuntimeCalls()
	ctr(t, s.Endpoint, "cri", "rm").fails(t, 2, "at least one container")
	ctr(t, s.Endpoint, "cri", "rm", "-a", "x").fails(t, 2, "not both")
}

func TestRmRPCCountIsOneListPlusOnePerTarget(t *testing.T) {
	s := runtimetest.New(t)
	var cs []runtimetest.Container
	var ids []string
	for i := range 20 {
		id := strings.Repeat(string(rune('a'+i)), 64)
		ids = append(ids, id)
		cs = append(cs, runtimetest.Container{ID: id, Name: "c" + id[:1], PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED})
	}
	s.SetContainers(cs...)
	s.RuntimeCalls()
	r := ctr(t, s.Endpoint, append([]string{"cri", "rm", "-k"}, ids...)...).ok(t)
	if got := lines(r.stdout); !slices.Equal(got, ids) {
		t.Errorf("rm printed %d IDs, want %d in order", len(got), len(ids))
	}
	got := s.RuntimeCalls()
	if want := map[string]int{"ListContainers": 1, "ListPodSandbox": 1, "RemoveContainer": 20}; !reflect.DeepEqual(callCounts(got), want) {
		t.Errorf("rm -k of 20 made %d calls %v; want 1 list + 1 pod list + 20 removes", len(got), got)
	}
}

func TestRmDeletesLogsUnlessKeepLogs(t *testing.T) {
	s := runtimetest.New(t)
	dir := t.TempDir()
	mk := func(id string) string {
		p := filepath.Join(dir, id+".log")
		for _, f := range []string{p, p + ".1"} {
			if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	logA, logB := mk("a"), mk("b")
	s.RuntimeService.SetFakeContainers([]*apitest.FakeContainer{
		{SandboxID: podA, ContainerStatus: runtimeapi.ContainerStatus{Id: ctrW, Metadata: &runtimeapi.ContainerMetadata{Name: "a"}, State: runtimeapi.ContainerState_CONTAINER_EXITED, LogPath: logA}},
		{SandboxID: podA, ContainerStatus: runtimeapi.ContainerStatus{Id: ctrY, Metadata: &runtimeapi.ContainerMetadata{Name: "b"}, State: runtimeapi.ContainerState_CONTAINER_EXITED, LogPath: logB}},
	})
	ctr(t, s.Endpoint, "cri", "rm", "a").ok(t)
	for _, f := range []string{logA, logA + ".1"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("rm should delete %s", f)
		}
	}
	ctr(t, s.Endpoint, "cri", "rm", "--keep-logs", "b").ok(t)
	if _, err := os.Stat(logB); err != nil {
		t.Errorf("rm -k deleted the log: %v", err)
	}
}

func TestRmp(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "rmp", "web", "db").fails(t, 1, `remove pod "`+podA+`": it is ready (running)`, "rmp -f")
	if r.stdout != "Removed sandbox "+podB+"\n" {
		t.Errorf("the not-ready pod should be removed: %q", r.stdout)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "ListPodSandbox", "RemovePodSandbox") {
		t.Errorf("rmp made %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "rmp", "-f", "-a").ok(t)
	if r.stdout != "Stopped sandbox "+podA+"\nRemoved sandbox "+podA+"\n" {
		t.Errorf("rmp -f -a printed %q; want crictl's two lines", r.stdout)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "ListPodSandbox", "StopPodSandbox", "RemovePodSandbox") {
		t.Errorf("rmp -f -a made %v", got)
	}
	ctr(t, s.Endpoint, "cri", "rmp").fails(t, 2, "at least one pod")
}

func TestRmi(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "rmi", "--force", "busybox", "docker.io/library/busybox:latest", "nope").fails(t, 1, `image "nope": not found`)
	if r.stdout != "Deleted: docker.io/library/busybox:latest\nDeleted: localhost:5000/tools/busybox:1.36\n" {
		t.Errorf("rmi printed %q; want crictl's Deleted: line per tag, the image once", r.stdout)
	}
	if got := s.ImageCalls(); !sameCalls(got, "ListImages", "RemoveImage") {
		t.Errorf("rmi made %v", got)
	}
	ctr(t, s.Endpoint, "cri", "rmi").fails(t, 2, "at least one image")
	ctr(t, s.Endpoint, "cri", "rmi", "-a", "busybox").fails(t, 2, "not both")
}

// Finding #14: rmi must not pull the image out from under a running
// container unless told to; the other images still go, and crictl's
// personality keeps crictl's behaviour.
func TestRmiKeepsImagesOfRunningContainers(t *testing.T) {
	s := node(t)
	old := "sha256:" + strings.Repeat("9", 64)
	s.SetImages(
		&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest"}},
		&runtimeapi.Image{Id: old, RepoTags: []string{"docker.io/library/old:1"}},
	)
	s.RuntimeCalls()
	r := ctr(t, s.Endpoint, "cri", "rmi", "busybox", "old:1").fails(t, 1,
		"ctr: image docker.io/library/busybox:latest is used by running container nginx ("+ctrW[:13]+"): stop them first, or use --force")
	if r.stdout != "Deleted: docker.io/library/old:1\n" {
		t.Errorf("the unused image should still be removed: %q", r.stdout)
	}
	if rt, img := s.RuntimeCalls(), s.ImageCalls(); !sameCalls(rt, "ListContainers") || !sameCalls(img, "ListImages", "RemoveImage") {
		t.Errorf("rmi made %v and %v; want one container list and one image list", rt, img)
	}
	ctr(t, s.Endpoint, "cri", "rmi", "-f", "busybox").ok(t)
	if left := ctr(t, s.Endpoint, "cri", "images", "-q").ok(t).stdout; left != "" {
		t.Errorf("rmi -f left %q", left)
	}
	s.SetImages(&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest"}})
	if r := crictl(t, "-r", s.Endpoint, "rmi", "busybox"); r.code != 0 || r.stdout != "Deleted: docker.io/library/busybox:latest\n" {
		t.Errorf("crictl rmi of a used image: exit %d, %q, %s; want crictl's removal", r.code, r.stdout, r.stderr)
	}
	crictl(t, "-r", s.Endpoint, "rmi", "-f", "busybox").fails(t, 1, "flag provided but not defined: -f")
}

func TestRmiPruneKeepsUsedAndPinnedImages(t *testing.T) {
	s := node(t)
	unused := "sha256:" + strings.Repeat("9", 64)
	pinnedUnused := "sha256:" + strings.Repeat("8", 64)
	s.SetImages(
		&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest"}},
		&runtimeapi.Image{Id: imgP, RepoTags: []string{"registry.k8s.io/pause:3.10"}},
		&runtimeapi.Image{Id: unused, RepoTags: []string{"docker.io/library/old:1"}},
		&runtimeapi.Image{Id: pinnedUnused, RepoTags: []string{"registry.k8s.io/pause:3.9"}, Pinned: true},
	)
	s.RuntimeCalls()
	r := ctr(t, s.Endpoint, "cri", "rmi", "--prune").ok(t)
	if r.stdout != "Deleted: docker.io/library/old:1\n" {
		t.Errorf("prune removed %q; want only the unused, unpinned image", r.stdout)
	}
	if rt, img := s.RuntimeCalls(), s.ImageCalls(); !sameCalls(rt, "ListContainers") || !sameCalls(img, "ListImages", "RemoveImage") {
		t.Errorf("prune made %v and %v; want one container list and one image list", rt, img)
	}
}

func TestUpdateSendsOnlyWhatWasSet(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "--debug", "update", "--memory", "512Mi", "--cpuset-cpus", "0-1", "nginx")
	if r.code != 0 || r.stdout != ctrW+"\n" {
		t.Fatalf("update: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	var req string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.Contains(l, "UpdateContainerResources") {
			req = strings.ReplaceAll(l, " ", "")
		}
	}
	if !strings.Contains(req, `memory_limit_in_bytes:536870912`) || !strings.Contains(req, `cpuset_cpus:"0-1"`) {
		t.Errorf("request lacks the set fields: %s", req)
	}
	for _, unset := range []string{"cpu_period", "cpu_quota", "cpu_shares", "oom_score_adj", "cpuset_mems"} {
		if strings.Contains(req, unset) {
			t.Errorf("request carries %s, which was not set: %s", unset, req)
		}
	}
	ctr(t, s.Endpoint, "cri", "update", "--memory", "1g", "--cpu-quota=-1", "--cpu-period", "100000", "--cpu-share", "512", "--oom-score-adj", "-500", "nginx").ok(t)
}

func TestUpdateRejectsNonsense(t *testing.T) {
	s := node(t)
	for _, tc := range []struct{ args []string }{
		{[]string{"--cpu-quota=-2"}},
		{[]string{"--cpu-period", "5000000"}},
		{[]string{"--memory=-1"}},
		{[]string{"--cpu-count=-1"}},
		{[]string{"--memory", "lots"}},
		{[]string{"--cpuset-cpus", "3-1"}},
		{[]string{"--cpuset-mems", "a"}},
		{[]string{"--oom-score-adj", "2000"}},
	} {
		r := ctr(t, s.Endpoint, append(append([]string{"cri", "update"}, tc.args...), "nginx")...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "ctr: ") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("update %v: exit %d, stderr %q; want one usage error line", tc.args, r.code, r.stderr)
		}
	}
	ctr(t, s.Endpoint, "cri", "update", "--memory", "1g").fails(t, 2, "update takes CONTAINER [CONTAINER...], got 0 arguments")
	if c := calls(s); len(c) != 0 {
		t.Errorf("invalid updates made RPCs: %v", c)
	}
}

func TestCheckpoint(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "checkpoint", "nginx").fails(t, 2, "needs --export")
	ctr(t, s.Endpoint, "cri", "checkpoint", "--export", "x.tar").fails(t, 2, "checkpoint takes CONTAINER [CONTAINER...], got 0 arguments")
	// Several containers, one after another, as crictl.
	s.RuntimeCalls()
	if r := ctr(t, s.Endpoint, "cri", "checkpoint", "--export", "x.tar", "nginx", "postgres").ok(t); r.stdout != ctrW+"\n"+ctrY+"\n" {
		t.Errorf("checkpoint of two: %q", r.stdout)
	}
	if got := callCounts(s.RuntimeCalls()); got["CheckpointContainer"] != 2 {
		t.Errorf("checkpoint of two made %v", got)
	}
	wd, _ := os.Getwd()
	r := ctr(t, s.Endpoint, "cri", "--debug", "checkpoint", "-e", "x.tar", "nginx")
	if r.code != 0 || r.stdout != ctrW+"\n" {
		t.Fatalf("checkpoint: exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, filepath.Join(wd, "x.tar")) {
		t.Errorf("the runtime should get an absolute path: %s", r.stderr)
	}
}

func TestUpdateRuntimeConfig(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "update-runtime-config", "--pod-cidr", "10.88.0.0/16,fd00::/64").ok(t)
	if r.stdout != "" {
		t.Errorf("printed %q", r.stdout)
	}
	if got := s.RuntimeCalls(); !sameCalls(got, "UpdateRuntimeConfig") {
		t.Errorf("made %v", got)
	}
	ctr(t, s.Endpoint, "cri", "update-runtime-config", "-p", "10.88.0.0").fails(t, 2, `"10.88.0.0" is not a CIDR`)
	ctr(t, s.Endpoint, "cri", "update-runtime-config").fails(t, 2, "needs --pod-cidr")
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "512Mi": 512 << 20, "512m": 512 << 20, "1g": 1 << 30, "1GiB": 1 << 30, "1Gi": 1 << 30, "4096": 4096, "64k": 64 << 10} {
		if got, err := containers.ParseMemory(in); err != nil || got != want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "-1g", "1x", "i"} {
		if _, err := containers.ParseMemory(in); err == nil {
			t.Errorf("parseMemory(%q) accepted", in)
		}
	}
}

// F5: rm deletes the log file and its rotations, matched exactly. Before,
// it deleted everything named LOG.* beside it (LOG.conf, LOG.bak), as root.
func TestRmDeletesOnlyTheLogAndItsRotations(t *testing.T) {
	s := runtimetest.New(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "important")
	gone := []string{log, log + ".20261101-120000", log + ".20261101-110000.gz", log + ".3", log + ".2.gz"}
	kept := []string{log + ".conf", log + ".bak", log + ".2026-11-01", log + "-other", log + "..1", log + ".1.conf"}
	for _, f := range append(slices.Clone(gone), kept...) {
		if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.RuntimeService.SetFakeContainers([]*apitest.FakeContainer{
		{SandboxID: podA, ContainerStatus: runtimeapi.ContainerStatus{Id: ctrW, Metadata: &runtimeapi.ContainerMetadata{Name: "a"}, State: runtimeapi.ContainerState_CONTAINER_EXITED, LogPath: log}},
	})
	ctr(t, s.Endpoint, "cri", "rm", "a").ok(t)
	for _, f := range gone {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("rm should delete %s", filepath.Base(f))
		}
	}
	for _, f := range kept {
		if _, err := os.Lstat(f); err != nil {
			t.Errorf("rm deleted %s, which is not the container's log: %v", filepath.Base(f), err)
		}
	}
}
