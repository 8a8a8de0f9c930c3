package cricli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/fleet"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
	gen "github.com/ctrcri/ctrcri/test/fleet"
)

// mergeIn is ctr (pinned clock and host) with standard input.
func mergeIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	t.Setenv("NODE_NAME", "")
	root := ctrRoot()
	root.Reader = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	code := Run(context.Background(), root, append([]string{"ctr"}, args...), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func nodeReport(name string, at time.Time, healthy bool) string {
	sev := ""
	if !healthy {
		sev = `{"severity":"error","check":"container","object":"shop/web/job","message":"exited with code 3 (Error)"}`
	}
	return fmt.Sprintf(`{"apiVersion":"ctrcri.diagnose/v1","kind":"NodeDiagnosis","time":%q,"node":{"name":%q,"nameFrom":"env"},"healthy":%v,"problems":[%s],"versions":{"containerd":"v2.4.2"}}`+"\n",
		at.Format(time.RFC3339), name, healthy, sev)
}

// The report names its node: --node-name, else NODE_NAME, else the
// hostname; kernel and OS come from the host; -o ndjson is one line.
func TestDiagnoseReportNamesItsNode(t *testing.T) {
	s := diagnoseNode(t)
	withContainerd(t, ctrdtest.Mirror(s))
	decode := func(out string) diagnose.Report {
		t.Helper()
		if strings.Count(out, "\n") != 1 {
			t.Errorf("-o ndjson printed %d lines", strings.Count(out, "\n"))
		}
		var rep diagnose.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := decode(ctr(t, s.Endpoint, "cri", "diagnose", "-o", "ndjson").ok(t).stdout)
	want := diagnose.Node{Name: "testhost", NameFrom: "hostname", Kernel: "6.1.0-test", OS: "Test Linux 1", Arch: "x86_64"}
	if rep.Node != want || rep.DurationMs < 0 {
		t.Errorf("node %+v duration %d, want %+v", rep.Node, rep.DurationMs, want)
	}
	t.Setenv("NODE_NAME", "worker-7")
	root := ctrRoot()
	var out, errb bytes.Buffer
	Run(context.Background(), root, []string{"ctr", "--address", s.Endpoint, "cri", "diagnose", "-o", "ndjson"}, &out, &errb)
	if rep := decode(out.String()); rep.Node.Name != "worker-7" || rep.Node.NameFrom != "env" {
		t.Errorf("with NODE_NAME: %+v", rep.Node)
	}
	r := ctr(t, s.Endpoint, "cri", "diagnose", "--node-name", "worker-8", "-o", "ndjson").ok(t)
	if rep := decode(r.stdout); rep.Node.Name != "worker-8" || rep.Node.NameFrom != "flag" {
		t.Errorf("with --node-name: %+v", rep.Node)
	}
	if r := ctr(t, s.Endpoint, "cri", "diagnose", "--node-name", "worker-8").ok(t); !strings.HasPrefix(r.stdout, "Node worker-8: healthy\n") {
		t.Errorf("table does not name the node first:\n%s", r.stdout)
	}
}

// --host-root is where log files are looked up: a debug container sees
// the node's /var/log under /host.
func TestDiagnoseHostRootFindsLogFiles(t *testing.T) {
	s := diagnoseNode(t)
	host := t.TempDir()
	logDir := filepath.Join(host, "var", "log", "pods")
	mkdirAll(t, logDir)
	writeAt(t, filepath.Join(logDir, "job.log"), "2026-11-01T11:00:00Z stderr F out of cheese\n")
	s.SetContainers(exitedJob("/var/log/pods/job.log"))
	withContainerd(t, ctrdtest.Mirror(s))
	r := ctr(t, s.Endpoint, "cri", "diagnose", "--host-root", host).fails(t, 1)
	if !strings.Contains(r.stdout, "| out of cheese") {
		t.Errorf("log tail not read under --host-root:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "diagnose").fails(t, 1)
	if strings.Contains(r.stdout, "out of cheese") {
		t.Errorf("log read without --host-root")
	}
}

func TestDiagnoseNewFlagsUsageErrors(t *testing.T) {
	s := node(t)
	ctr(t, s.Endpoint, "cri", "diagnose", "--every", "10ms").fails(t, 2, "invalid --every 10ms: must be 0 (once) or at least 1s")
	ctr(t, s.Endpoint, "cri", "diagnose", "--every", "-1m").fails(t, 2, "invalid --every")
	ctr(t, s.Endpoint, "cri", "diagnose", "--host-root", "/nonexistent/ctrcri").fails(t, 2, `invalid --host-root "/nonexistent/ctrcri": not a directory`)
	ctr(t, s.Endpoint, "cri", "diagnose", "-o", "ndjson=x").fails(t, 2, "unknown output format")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

// --every reports again and again, one line each, until the context ends.
func TestDiagnoseEveryRepeatsUntilStopped(t *testing.T) {
	s := diagnoseNode(t)
	withContainerd(t, ctrdtest.Mirror(s))
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	root := ctrRoot()
	var out, errb bytes.Buffer
	code := Run(ctx, root, []string{"ctr", "--address", s.Endpoint, "cri", "diagnose", "--every", "1s", "-o", "ndjson", "--node-name", "n1"}, &out, &errb)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if code != 0 || len(lines) < 2 || len(lines) > 4 || errb.Len() != 0 {
		t.Fatalf("exit %d, %d lines, stderr %q", code, len(lines), errb.String())
	}
	for _, l := range lines {
		var rep diagnose.Report
		if err := json.Unmarshal([]byte(l), &rep); err != nil || rep.Node.Name != "n1" {
			t.Errorf("line %q: %v", l, err)
		}
	}
}

func TestMergeExitCodesAndView(t *testing.T) {
	dir := t.TempDir()
	healthy := filepath.Join(dir, "healthy.ndjson")
	writeAt(t, healthy, nodeReport("a", testNow, true)+nodeReport("b", testNow, true))
	r := ctr(t, "", "cri", "diagnose", "merge", healthy).ok(t)
	if !strings.HasPrefix(r.stdout, "Fleet: 2 nodes, 2 healthy, 0 unhealthy\n") {
		t.Errorf("table:\n%s", r.stdout)
	}
	r = ctr(t, "", "cri", "diagnose", "merge", "-o", "json", healthy).ok(t)
	var v fleet.View
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.APIVersion != "ctrcri.fleet/v1" || !v.Healthy || v.Summary.Nodes != 2 {
		t.Errorf("json view %+v (%v)", v, err)
	}

	sick := filepath.Join(dir, "sub", "sick.ndjson")
	mkdirAll(t, filepath.Dir(sick))
	writeAt(t, sick, nodeReport("c", testNow, false)+"{\"apiVersion\": \"ctrcri.diag\n")
	r = ctr(t, "", "cri", "diagnose", "merge", dir).fails(t, 1,
		"ctr: diagnose merge: "+sick+":2: truncated report: the line ends inside it\n",
		"ctr: diagnose merge: 1 of 3 nodes unhealthy, 1 unreadable\n")
	for _, want := range []string{"Unhealthy nodes: 1\n  c  1 error  container shop/web/job: exited with code 3 (Error)\n",
		"  1      error     container  exited with code N (Error)  c\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("view lacks %q:\n%s", want, r.stdout)
		}
	}
	// A file that does not open is named; the others are still merged.
	r = ctr(t, "", "cri", "diagnose", "merge", "-o", "yaml", filepath.Join(dir, "nope"), healthy).fails(t, 1, filepath.Join(dir, "nope")+": no such file or directory")
	if !strings.Contains(r.stdout, "apiVersion: ctrcri.fleet/v1\n") || !strings.Contains(r.stdout, "nodes: 2\n") {
		t.Errorf("yaml view:\n%s", r.stdout)
	}
}

// kubectl logs --prefix on stdin; --nodes names who should have reported.
func TestMergeStdinWithKubectlPrefixAndMissingNodes(t *testing.T) {
	in := "[pod/ctr-cri-diagnose-x1/diagnose] " + nodeReport("a", testNow, true) +
		"[pod/ctr-cri-diagnose-x2/diagnose] " + nodeReport("b", testNow.Add(-3*time.Hour), true)
	nodes := filepath.Join(t.TempDir(), "nodes")
	writeAt(t, nodes, "node/a\nnode/b\nnode/c\n")
	r := mergeIn(t, in, "cri", "diagnose", "merge", "--nodes", nodes).fails(t, 1, "ctr: diagnose merge: 0 of 2 nodes unhealthy, 1 stale, 1 missing\n")
	for _, want := range []string{"Stale reports (older than 1h0m0s): 1\n  b  3h old  (stdin):2\n", "Missing (no report): 1\n  c\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("view lacks %q:\n%s", want, r.stdout)
		}
	}
	mergeIn(t, in, "cri", "diagnose", "merge", "--max-age", "0", "-").ok(t)
}

func TestMergeEmptyInputAndUsageErrors(t *testing.T) {
	r := mergeIn(t, "", "cri", "diagnose", "merge").fails(t, 1, "ctr: diagnose merge: no reports in the input\n")
	if !strings.HasPrefix(r.stdout, "Fleet: 0 nodes") {
		t.Errorf("empty input view: %q", r.stdout)
	}
	mergeIn(t, "", "cri", "diagnose", "merge", "-o", "wide").fails(t, 2, `unknown output format "wide"`)
	mergeIn(t, "", "cri", "diagnose", "merge", "--max-age", "-1h").fails(t, 2, "invalid --max-age -1h0m0s")
	mergeIn(t, "", "cri", "diagnose", "merge", "--examples", "0").fails(t, 2, "invalid --examples 0")
	mergeIn(t, "", "cri", "diagnose", "merge", "--nodes", "/nonexistent/ctrcri").fails(t, 2, "--nodes: open /nonexistent/ctrcri")
}

// The view of a generated fleet, as an operator sees it.
func TestMergeGeneratedFleetGolden(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Generate(&buf, gen.Options{N: 100, Seed: 1, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	r := mergeIn(t, buf.String(), "cri", "diagnose", "merge").fails(t, 1, "nodes unhealthy")
	golden(t, "fleet-100.txt", r.stdout)
}

func exitedJob(logPath string) runtimetest.Container {
	return runtimetest.Container{ID: ctrX, Name: "job", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED, ExitCode: 3, Reason: "Error", LogPath: logPath, CreatedAt: ago(60e9)}
}

// With --every a runtime that is down costs a line on stderr per attempt,
// not the pod: the DaemonSet reports again once containerd is back.
func TestDiagnoseEveryOutlivesAnUnreachableRuntime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	ep := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	code := Run(ctx, ctrRoot(), []string{"ctr", "--address", ep, "cri", "diagnose", "--every", "1s", "-o", "ndjson"}, &out, &errb)
	if n := strings.Count(errb.String(), "ctr: version: socket "); code != 0 || out.Len() != 0 || n < 2 {
		t.Errorf("exit %d, stdout %q, %d error lines: %q", code, out.String(), n, errb.String())
	}
}
