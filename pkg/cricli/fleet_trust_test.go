package cricli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// asPodLog is what kubectl logs --prefix makes of a container's stdout
// and stderr: both streams, every line tagged with the pod.
func asPodLog(pod string, streams ...string) string {
	var b strings.Builder
	for _, s := range streams {
		for l := range strings.Lines(s) {
			b.WriteString("[pod/" + pod + "/diagnose] " + l)
		}
	}
	return b.String()
}

// Real-cluster item 4: a one-shot Job run of diagnose on a sick node
// writes its verdict line to stderr, and the pod log holds it after the
// report; merge of that log is the node's verdict, not unreadable input.
func TestMergeReadsAJobPodLogWithDiagnoseVerdictLine(t *testing.T) {
	s := diagnoseNode(t)
	s.SetContainers(runtimetest.Container{ID: ctrX, Name: "job", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED,
		ExitCode: 3, Reason: "Error", LogPath: "/nonexistent/ctrcri-test/gone.log", CreatedAt: ago(60e9)})
	withContainerd(t, ctrdtest.Mirror(s))
	d := ctr(t, s.Endpoint, "cri", "diagnose", "-o", "ndjson", "--node-name", "node-a").fails(t, 1, "ctr: diagnose: 1 error and 1 warning found\n")
	in := asPodLog("now-0-abcde", d.stdout, d.stderr) + asPodLog("now-1-fghij", nodeReport("node-b", testNow, true))
	r := mergeIn(t, in, "cri", "diagnose", "merge").fails(t, 1)
	if r.stderr != "ctr: diagnose merge: 1 of 2 nodes unhealthy\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	// The same line without its report is foreign text.
	r = mergeIn(t, asPodLog("now-0-abcde", d.stderr)+asPodLog("now-1-fghij", nodeReport("node-b", testNow, true)), "cri", "diagnose", "merge").fails(t, 1,
		"(stdin):1 (pod/now-0-abcde): not a report: text outside a JSON object")
}

// R7: files linked into a directory (a ConfigMap mount is all links) are
// read; a link to a directory is named, not skipped silently.
func TestMergeDirectoryReadsSymlinkedFiles(t *testing.T) {
	store, dir := t.TempDir(), t.TempDir()
	writeAt(t, filepath.Join(store, "a.ndjson"), nodeReport("a", testNow, true))
	symlink(t, filepath.Join(store, "a.ndjson"), filepath.Join(dir, "a.ndjson"))
	nodes := filepath.Join(t.TempDir(), "nodes")
	writeAt(t, nodes, "node/a\n")
	r := ctr(t, "", "cri", "diagnose", "merge", "--nodes", nodes, dir).ok(t)
	if !strings.HasPrefix(r.stdout, "Fleet: 1 node, 1 healthy, 0 unhealthy\n") {
		t.Errorf("view:\n%s", r.stdout)
	}
	symlink(t, store, filepath.Join(dir, "z-dir"))
	ctr(t, "", "cri", "diagnose", "merge", dir).fails(t, 1, filepath.Join(dir, "z-dir")+": a symbolic link to a directory: not followed")
}

// R1 end to end: another pod's forged report dated in the future does not
// hide node-a's OOM kill, and the exit is 1.
func TestMergeForgedFutureReportExitsOne(t *testing.T) {
	in := "[pod/ctr-cri-diagnose-aaaaa/diagnose] " + nodeReport("node-a", testNow, false) +
		"[pod/ctr-cri-diagnose-bbbbb/diagnose] " + strings.Replace(nodeReport("node-a", testNow, true), testNow.Format("2006"), "2099", 1)
	r := mergeIn(t, in, "cri", "diagnose", "merge").fails(t, 1, "more than 5m0s after now: not merged")
	if !strings.Contains(r.stdout, "Unhealthy nodes: 1\n  node-a") {
		t.Errorf("view:\n%s", r.stdout)
	}
}

// The table shows conflicts source by source, and a source's recovery.
func TestMergeTableShowsConflictsAndRecovery(t *testing.T) {
	in := "[pod/job-0-x/diagnose] " + nodeReport("node-a", testNow.Add(-2*time.Minute), true) +
		"[pod/job-1-y/diagnose] " + nodeReport("node-a", testNow.Add(-time.Minute), true) +
		"[pod/ds-b/diagnose] " + nodeReport("node-b", testNow.Add(-20*time.Minute), false) +
		"[pod/ds-b/diagnose] " + nodeReport("node-b", testNow.Add(-10*time.Minute), true)
	r := mergeIn(t, in, "cri", "diagnose", "merge").ok(t)
	for _, want := range []string{
		"Fleet: 2 nodes, 2 healthy, 0 unhealthy; 1 duplicate report dropped, 1 node reported by several sources\n",
		"Nodes a source reported more than once (its newest report is kept): 1\n  node-b  pod/ds-b  2 reports  kept (stdin):4 (recovered)\n",
		"Nodes reported by more than one source (judged by the worst report): 1\n  node-a  pod/job-0-x  healthy  (stdin):1\n          pod/job-1-y  healthy  (stdin):2\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("view lacks %q:\n%s", want, r.stdout)
		}
	}
}
