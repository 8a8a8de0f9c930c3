package cricli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// withContainerd lets the commands see cd as containerd's API.
func withContainerd(t *testing.T, cd *ctrdtest.Containerd) *ctrdtest.Containerd {
	t.Helper()
	fakeContainerd = cd
	t.Cleanup(func() { fakeContainerd = nil })
	cd.Calls()
	return cd
}

func TestPsWideShowsTaskPIDsFromOneTaskList(t *testing.T) {
	s := node(t)
	cd := withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "ps", "-a", "-o", "wide").ok(t)
	golden(t, "ps-a-wide-pid.txt", r.stdout)
	if calls := cd.Calls(); !reflect.DeepEqual(calls, []string{"Tasks"}) {
		t.Errorf("containerd calls %v, want one task list", calls)
	}
	ctr(t, s.Endpoint, "cri", "ps", "-a").ok(t)
	if calls := cd.Calls(); len(calls) != 0 {
		t.Errorf("ps without -o wide called containerd: %v", calls)
	}
}

func TestInspectContainerd(t *testing.T) {
	s := node(t)
	cd := withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "inspect", "--containerd", "nginx").ok(t)
	var doc struct {
		Containerd ctrd.View `json:"containerd"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	v := doc.Containerd
	if v.Namespace != "k8s.io" || v.Container != ctrW || v.Task == nil || v.Task.PID == 0 || v.Task.Status != "running" ||
		v.Sandboxer != "podsandbox" || v.SandboxID != podA || v.Snapshotter != "overlayfs" || v.SnapshotKey != ctrW || v.Runtime != "io.containerd.runc.v2" {
		t.Errorf("containerd view %+v", v)
	}
	if calls := cd.Calls(); len(calls) != 3 {
		t.Errorf("containerd calls %v, want 3 list calls", calls)
	}

	// Several targets: still three containerd calls; table lines present.
	r = ctr(t, s.Endpoint, "cri", "inspect", "--containerd", "-o", "table", ctrW, ctrX, ctrY).ok(t)
	if calls := cd.Calls(); len(calls) != 3 {
		t.Errorf("containerd calls for 3 targets %v, want 3", calls)
	}
	// One "containerd:" section per target, keys spelled one way (A.3).
	if strings.Count(r.stdout, "\ncontainerd:\n") != 3 || strings.Contains(r.stdout, "containerd namespace") {
		t.Errorf("want a containerd: heading per target:\n%s", r.stdout)
	}
	for _, want := range []string{"\tContainer: " + ctrX, "\tTask: (none)", "\tTask: running, pid ", "\tSandboxer: podsandbox", "\tSnapshotter: overlayfs", "\tNamespace: k8s.io"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table output lacks %q:\n%s", want, r.stdout)
		}
	}

	ctr(t, s.Endpoint, "cri", "inspect", "nginx").ok(t)
	if calls := cd.Calls(); len(calls) != 0 {
		t.Errorf("inspect without --containerd called containerd: %v", calls)
	}
}

func TestInspectpContainerd(t *testing.T) {
	s := node(t)
	withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "inspectp", "--containerd", "-o", "yaml", "shop/web").ok(t)
	var doc struct {
		Containerd ctrd.View `json:"containerd"`
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if v := doc.Containerd; v.Container != podA || v.Task == nil || v.Sandboxer != "podsandbox" {
		t.Errorf("pod's containerd view %+v", v)
	}
}

func TestInspectContainerdOnAnotherRuntimeFails(t *testing.T) {
	s := node(t) // no containerd API behind the fake CRI server
	ctr(t, s.Endpoint, "cri", "inspect", "--containerd", "nginx").fails(t, 1, "does not serve containerd's API")
}

func TestOrphans(t *testing.T) {
	s := node(t)
	cd := ctrdtest.Mirror(s)
	cd.Records = append(cd.Records, ctrd.Container{ID: "handmade0000000000000", Image: "docker.io/library/busybox:latest"})
	cd.TaskList = append(cd.TaskList, ctrd.Task{ID: "handmade0000000000000", PID: 4242, Status: "running"})
	var tasks []ctrd.Task
	for _, tk := range cd.TaskList {
		if tk.ID != ctrY {
			tasks = append(tasks, tk)
		}
	}
	cd.TaskList = tasks
	withContainerd(t, cd)

	r := ctr(t, s.Endpoint, "cri", "orphans").ok(t) // orphans found: still exit 0
	golden(t, "orphans.txt", r.stdout)

	r = ctr(t, s.Endpoint, "cri", "orphans", "-o", "json").ok(t)
	var rep ctrd.OrphanReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 2 || rep.Orphans[0].Kind != "containerd-container" || rep.Orphans[1].ID != ctrY || !rep.Orphans[1].Severe {
		t.Errorf("orphans %+v", rep.Orphans)
	}
	r = ctr(t, s.Endpoint, "cri", "orphans", "-q").ok(t)
	if got := strings.Fields(r.stdout); !reflect.DeepEqual(got, []string{"handmade0000000000000", ctrY}) {
		t.Errorf("-q printed %v", got)
	}
}

func TestOrphansUsageErrors(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "orphans", "-o", "ndjson").fails(t, 2, `unknown output format "ndjson"`)
	ctr(t, s.Endpoint, "cri", "orphans", "extra").fails(t, 2, "orphans takes no arguments")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

// diagnoseNode is node(t) made healthy: ready conditions, log files on disk.
func diagnoseNode(t *testing.T) *runtimetest.Server {
	s := node(t)
	s.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, {Type: runtimeapi.NetworkReady, Status: true}}}
	dir := t.TempDir()
	var cs []runtimetest.Container
	for _, c := range []runtimetest.Container{
		{ID: ctrW, Name: "nginx", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(90 * 60e9)},
		{ID: ctrY, Name: "postgres", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(30 * 60e9)},
	} {
		c.LogPath = filepath.Join(dir, c.Name+".log")
		if err := os.WriteFile(c.LogPath, []byte("2026-11-01T11:00:00Z stdout F hello\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	s.SetContainers(cs...)
	s.SetPods(runtimetest.Pod{ID: podA, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(2 * 3600e9)})
	return s
}

func TestDiagnoseHealthyExitsZero(t *testing.T) {
	s := diagnoseNode(t)
	withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "diagnose").ok(t)
	for _, want := range []string{": healthy\n", "NetworkReady:  true", "Pods: 1, 1 ready", "Containers: 2, 2 running", "Orphans: 0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDiagnoseProblemsExitOneWithReport(t *testing.T) {
	s := diagnoseNode(t)
	s.SetContainers(runtimetest.Container{ID: ctrX, Name: "job\x1b[31m", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED,
		ExitCode: 3, Reason: "Error", LogPath: "/nonexistent/ctrcri-test/gone.log", CreatedAt: ago(60e9)})
	withContainerd(t, ctrdtest.Mirror(s))
	// The summary counts what the report lists (A.8): one error, one warning.
	r := ctr(t, s.Endpoint, "cri", "diagnose").fails(t, 1, "ctr: diagnose: 1 error and 1 warning found\n")
	golden(t, "diagnose-problem.txt", strings.ReplaceAll(r.stdout, s.Endpoint, "ENDPOINT"))

	r = ctr(t, s.Endpoint, "cri", "diagnose", "-o", "json").fails(t, 1)
	var rep diagnose.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.APIVersion != "ctrcri.diagnose/v1" || rep.Healthy || len(rep.Containers.Problems) != 1 || *rep.Containers.Problems[0].ExitCode != 3 {
		t.Errorf("report %+v", rep)
	}
	r = ctr(t, s.Endpoint, "cri", "diagnose", "-o", "yaml").fails(t, 1)
	if !strings.HasPrefix(r.stdout, "apiVersion: ctrcri.diagnose/v1\n") {
		t.Errorf("yaml report starts %q", r.stdout[:min(60, len(r.stdout))])
	}
}

func TestDiagnoseUnreachableExitsThree(t *testing.T) {
	r := ctr(t, "unix://"+filepath.Join(t.TempDir(), "none.sock"), "cri", "diagnose").fails(t, 3, "does not exist")
	if r.stdout != "" {
		t.Errorf("unreachable runtime printed a report: %q", r.stdout)
	}
}

func TestDiagnoseUsageErrors(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "diagnose", "-o", "wide").fails(t, 2, `unknown output format "wide"`)
	ctr(t, s.Endpoint, "cri", "diagnose", "--details", "-1").fails(t, 2, "invalid --details -1")
	ctr(t, s.Endpoint, "cri", "diagnose", "now").fails(t, 2, "diagnose takes no arguments")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

func TestLoadSaveUsageErrors(t *testing.T) {
	s := node(t)
	_, tty := openPTY(t)
	startBg(t, s.Endpoint, sessionIO{stdin: tty}, "cri", "load").wait(t).fails(t, 2, "load needs an archive: FILE, or - for standard input (stdin is a terminal)")
	ctr(t, s.Endpoint, "cri", "load", "-", "-").fails(t, 2, "standard input (-) can be loaded only once, as the last archive")
	ctr(t, s.Endpoint, "cri", "load", "-", "b.tar").fails(t, 2, "standard input (-) can be loaded only once, as the last archive")
	ctr(t, s.Endpoint, "cri", "load", "--platform", "linux/amd64/v1/extra", "x.tar").fails(t, 2, "invalid --platform")
	ctr(t, s.Endpoint, "cri", "save", "busybox").fails(t, 2, "save needs -o FILE")
	ctr(t, s.Endpoint, "cri", "save", "-o", "x.tar").fails(t, 2, "save takes IMAGE ..., got 0 arguments")
	ctr(t, s.Endpoint, "cri", "save", "-o", "x.tar", "--platform", "linux/", "busybox").fails(t, 2, "invalid --platform")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

// Issue 11 (lead's note): with no FILE, load reads a piped stdin as docker
// load does; it got as far as containerd here (the fake has none).
func TestLoadWithoutFileReadsPipedStdin(t *testing.T) {
	s := node(t)
	ctrIn(t, s.Endpoint, "not read", "cri", "load").fails(t, 1, `load "-": the endpoint does not serve containerd's API`)
}

func TestLoadMissingFileNamesIt(t *testing.T) {
	s := node(t)
	missing := filepath.Join(t.TempDir(), "nope.tar")
	r := ctr(t, s.Endpoint, "cri", "load", missing).fails(t, 1, `load "`+missing+`": no such file or directory`)
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one line on stderr, got %q", r.stderr)
	}
}

func TestLoadNeedsContainerd(t *testing.T) {
	s := node(t)
	f := filepath.Join(t.TempDir(), "img.tar")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctr(t, s.Endpoint, "cri", "load", f).fails(t, 1, `load "`+f+`": the endpoint does not serve containerd's API`)
}

func TestSaveUnknownImageWritesNothing(t *testing.T) {
	s := node(t)
	out := filepath.Join(t.TempDir(), "out.tar")
	ctr(t, s.Endpoint, "cri", "save", "-o", out, "busybox", "nosuch").fails(t, 1, `image "nosuch": not found`)
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("a failed save left %v behind", entries)
	}
}

func TestLoadBoundFlagsUsageErrors(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "load", "--max-size", "lots", "x.tar").fails(t, 2, `invalid --max-size "lots"`)
	ctr(t, s.Endpoint, "cri", "load", "--max-size", "0", "x.tar").fails(t, 2, `invalid --max-size "0"`)
	ctr(t, s.Endpoint, "cri", "load", "--max-entries", "-1", "x.tar").fails(t, 2, "invalid --max-entries -1")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

// save -o - never writes archive bytes to a terminal: refused before any
// RPC, as a usage error.
func TestSaveRefusesToWriteToATerminal(t *testing.T) {
	n := node(t)
	_, slave := openPTY(t)
	r := startBg(t, n.Endpoint, sessionIO{stdout: slave}, "cri", "save", "-o", "-", "busybox").wait(t)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, "refusing to write an archive to a terminal") {
		t.Errorf("save -o - onto a terminal: exit %d, stderr %q", r.code, r.stderr)
	}
	if calls := n.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("save made RPCs %v before refusing", calls)
	}
}
