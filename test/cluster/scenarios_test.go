package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// every is the DaemonSet's period for the scenarios after the first: the
// shipped 10m, shortened with kubectl patch as an operator would on a
// test cluster, so that "within one period" is measured in seconds.
const every = 20 * time.Second

// The DaemonSet's pods, their reports and the merged fleet view, with the
// commands of docs/fleet.md.
func dsLogs() string {
	return "kubectl logs -n " + fleetNS + " -l app.kubernetes.io/name=" + fleetDS + " --prefix --tail=1 --max-log-requests=50"
}

// applyAndMerge: make image, load it on the node, kubectl apply -f deploy/,
// the rollout, and the docs' merge pipeline: one node, named by its
// Kubernetes name, healthy, exit 0, nothing missing or duplicated.
func applyAndMerge(t *testing.T, s *session, ph *phases) {
	if r := s.sh(t, "", "make image"); r.code != 0 {
		t.Fatal("make image failed")
	}
	// docs/fleet.md §1: "load it straight onto a node for CRI".
	r := s.sh(t, "", "ctr cri load _build/images/ctrcri.tar")
	if r.code != 0 {
		t.Fatal("ctr cri load failed")
	}
	s.ref = strings.TrimSpace(r.out)
	if want := manifestImage(t, s.repo); want != s.ref {
		t.Errorf("make image loaded %s, but deploy/ runs %s: the tags must agree (issue 16, real-cluster item 5)", s.ref, want)
		// Go on with the manifests' name, to see the rest.
		s.sh(t, "", "ctr -n k8s.io images tag --force "+s.ref+" "+want)
	}

	start := time.Now()
	r = s.sh(t, "", "kubectl apply -f deploy/")
	if r.code != 0 {
		t.Errorf("kubectl apply -f deploy/ exited %d", r.code)
	}
	if strings.Contains(r.err, "Warning") {
		t.Errorf("kubectl apply -f deploy/ printed a warning (issue 16, real-cluster item 6):\n%s", r.err)
	}
	// docs/fleet.md §2, word for word.
	r = s.sh(t, "", "set -e\n"+docBlock(t, s.repo, "rollout status"))
	if r.code != 0 {
		t.Fatalf("docs/fleet.md §2 failed: exit %d", r.code)
	}
	if strings.Contains(r.err, "Warning") {
		t.Errorf("docs/fleet.md §2 printed a warning (issue 16, real-cluster item 6):\n%s", r.err)
	}
	if !s.waitReport(t, 2*time.Minute, nil) {
		t.Fatal("no report in the DaemonSet's log after 2 minutes")
	}
	ph.add("apply → first report", time.Since(start))

	merge := docBlock(t, s.repo, "diagnose merge --nodes")
	r = s.sh(t, "", merge)
	if r.code != 0 || r.err != "" {
		t.Errorf("docs/fleet.md §3 merge exited %d (stderr %q), want 0 and nothing on stderr (one healthy node)", r.code, r.err)
	}
	v := decodeView(t, s.quiet("", merge+" -o json"))
	checkOneNode(t, v, "the DaemonSet's reports")
	if !v.Healthy || len(v.Nodes) != 1 || !v.Nodes[0].Healthy {
		t.Errorf("the fleet is not healthy:\n%s", v)
	}
}

// checkOneNode: one report of one node, named by its Kubernetes name,
// nothing missing, duplicated or unreadable.
func checkOneNode(t *testing.T, v fleetView, what string) {
	t.Helper()
	if v.Summary.Nodes != 1 || len(v.Nodes) != 1 || v.Nodes[0].Name != nodeName {
		t.Errorf("%s: want the one node %s, got %+v", what, nodeName, v.Nodes)
	}
	if v.Summary.Missing != 0 || v.Summary.Stale != 0 {
		t.Errorf("%s: %d missing, %d stale, want none", what, v.Summary.Missing, v.Summary.Stale)
	}
	if v.Summary.Duplicates != 0 || v.Summary.Reports != 1 {
		t.Errorf("%s: %d reports, %d duplicates dropped; want one report per node (issue 16, real-cluster item 1)", what, v.Summary.Reports, v.Summary.Duplicates)
	}
	if v.Summary.Errors != 0 || v.Summary.UnknownSchema != 0 {
		t.Errorf("%s: %d unreadable inputs, %d unknown schemas; want none (issue 16, real-cluster item 4): %s", what, v.Summary.Errors, v.Summary.UnknownSchema, v.Errors)
	}
}

// manifestImage is the image deploy/daemonset.yaml runs.
func manifestImage(t *testing.T, repo string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "deploy", "daemonset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*image:\s*"?([^"\s]+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("deploy/daemonset.yaml names no image")
	}
	return string(m[1])
}

// waitReport waits until the DaemonSet's latest reports merge into a view
// that satisfies ok (any view when ok is nil); it returns false on timeout.
func (s *session) waitReport(t *testing.T, timeout time.Duration, ok func(fleetView) bool) bool {
	t.Helper()
	merge := dsLogs() + " | ctr cri diagnose merge -o json --nodes <(kubectl get nodes -o name)"
	var last result
	_, done := s.eventually(t, timeout, 2*time.Second, func() bool {
		last = s.quiet("", merge)
		var v fleetView
		if json.Unmarshal([]byte(last.out), &v) != nil || v.Summary.Reports == 0 {
			return false
		}
		return ok == nil || ok(v)
	})
	if !done {
		t.Logf("last merged view:\n%s%s", last.out, last.err)
	}
	return done
}

// setEvery patches the DaemonSet's --every and waits for the rollout and
// the new pod's first report.
func (s *session) setEvery(t *testing.T, d time.Duration) {
	t.Helper()
	r := s.quiet("", "kubectl get ds -n "+fleetNS+" "+fleetDS+" -o jsonpath='{.spec.template.spec.containers[0].args}'")
	var args []string
	if err := json.Unmarshal([]byte(r.out), &args); err != nil {
		t.Fatalf("the DaemonSet's args: %v: %s%s", err, r.out, r.err)
	}
	i := slices.Index(args, "--every")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("the DaemonSet runs %q: no --every", args)
	}
	args[i+1] = d.String()
	patch, _ := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": args}})
	if r := s.sh(t, "", "kubectl patch ds -n "+fleetNS+" "+fleetDS+" --type=json -p '"+string(patch)+"'"); r.code != 0 {
		t.Fatal("patch failed")
	}
	if r := s.sh(t, "", "kubectl rollout status -n "+fleetNS+" ds/"+fleetDS+" --timeout=2m"); r.code != 0 {
		t.Fatal("rollout failed")
	}
}

const sickPods = `apiVersion: v1
kind: Pod
metadata: {name: crashloop, namespace: shop}
spec:
  dnsPolicy: Default
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
  - name: fail
    image: localhost/ctrcri/busybox:latest
    imagePullPolicy: Never
    command: [sh, -c, 'echo starting; sleep 1; echo giving up; exit 1']
---
apiVersion: v1
kind: Pod
metadata: {name: oom, namespace: shop}
spec:
  dnsPolicy: Default
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
  - name: fill
    image: localhost/ctrcri/busybox:latest
    imagePullPolicy: Never
    # dd allocates its 64 MiB block at once: over the limit.
    command: [sh, -c, 'echo filling; dd if=/dev/zero of=/dev/null bs=64M count=4']
    resources:
      limits: {memory: 16Mi}
`

// sickWorkload plants a container that exits 1 in a loop and one that is
// OOM-killed; the merged view shows both under the node within one period
// of the DaemonSet, and merge exits 1.
func sickWorkload(t *testing.T, s *session, ph *phases) {
	s.setEvery(t, every)
	if !s.waitReport(t, time.Minute, func(v fleetView) bool { return v.Healthy }) {
		t.Fatalf("no healthy report from the patched DaemonSet")
	}
	s.sh(t, "", "kubectl create namespace shop")
	// The service account controller makes "default" a moment later; a pod
	// created before it is refused.
	if _, ok := s.eventually(t, time.Minute, 500*time.Millisecond, func() bool {
		return s.quiet("", "kubectl get serviceaccount -n shop default").code == 0
	}); !ok {
		t.Fatal("no default service account in namespace shop")
	}
	if r := s.sh(t, "", "kubectl apply -f - <<'EOF'\n"+sickPods+"EOF"); r.code != 0 {
		t.Fatal("the sick pods were refused")
	}
	// When Kubernetes itself shows both failures, the clock starts.
	jp := `{.status.containerStatuses[0].lastState.terminated.exitCode}/{.status.containerStatuses[0].lastState.terminated.reason}/{.status.containerStatuses[0].state.terminated.reason}`
	seen := map[string]bool{}
	if _, ok := s.eventually(t, 2*time.Minute, time.Second, func() bool {
		seen["crashloop"] = strings.HasPrefix(s.quiet("", "kubectl get pod -n shop crashloop -o jsonpath='"+jp+"'").out, "1/")
		seen["oom"] = strings.Contains(s.quiet("", "kubectl get pod -n shop oom -o jsonpath='"+jp+"'").out, "OOMKilled")
		return seen["crashloop"] && seen["oom"]
	}); !ok {
		s.sh(t, "", "kubectl get pods -n shop -o wide; kubectl describe pods -n shop | tail -40")
		t.Fatalf("Kubernetes does not show the failures: %v", seen)
	}
	s.sh(t, "", "kubectl get pods -n shop")
	// Between two restarts a container is exited ("exited with code 1
	// (Error)", an error); a report made while it runs says "restarted N
	// times, last exit code 1 (Error)", a warning. Either shows it; the
	// node is unhealthy as soon as one of them is an error.
	crash := regexp.MustCompile(`exit(ed with)? code (N|1) \(Error\)`)
	oom := regexp.MustCompile(`OOMKilled`)
	start := time.Now()
	if !s.waitReport(t, every+30*time.Second, func(v fleetView) bool {
		return !v.Healthy && v.problem(nodeName, "crashloop", crash) && v.problem(nodeName, "oom", oom)
	}) {
		t.Fatalf("the merged view does not show both failures under %s after %s", nodeName, every+30*time.Second)
	}
	took := time.Since(start)
	ph.add("sick → in merged view", took)
	if took > every+10*time.Second {
		t.Errorf("the failures reached the merged view after %s, more than one period (%s)", took.Round(time.Second), every)
	}
	r := s.sh(t, "", docBlock(t, s.repo, "diagnose merge --nodes"))
	if r.code != 1 || !strings.Contains(r.out, nodeName) {
		t.Errorf("merge with a sick node: exit %d, want 1 and the node named", r.code)
	}
}

// waitJob waits for a Job to finish and returns "Complete" or "Failed".
func (s *session) waitJob(t *testing.T, name string) string {
	t.Helper()
	var state string
	// One node: the indexes run one after another (the anti-affinity
	// keeps them apart only while they run), and the scheduler retries a
	// pod it found unschedulable with a back-off.
	if _, ok := s.eventually(t, 6*time.Minute, time.Second, func() bool {
		r := s.quiet("", "kubectl get job -n "+fleetNS+" "+name+` -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}'`)
		for _, c := range strings.Fields(r.out) {
			if c == "Complete" || c == "Failed" {
				state = c
				return true
			}
		}
		return false
	}); !ok {
		s.sh(t, "", "kubectl get job,pods -n "+fleetNS+" -o wide")
		t.Fatalf("job %s did not finish in 6 minutes", name)
	}
	s.sh(t, "", "kubectl get job "+name+" -n "+fleetNS+"; kubectl get pods -n "+fleetNS+" -l job-name="+name)
	return state
}

// jobRuns: a Job from the CronJob while the node is sick fails; once the
// workload is gone a second Job succeeds, the DaemonSet reports the node
// healthy, and the completed Job pods do not leave it "with warnings".
// Each run is docs/fleet.md §4 line by line (the second with another job
// name); on one node the indexes run one after another, which the docs
// call a sampler: several reports of one node are not asserted away.
func jobRuns(t *testing.T, s *session, ph *phases) {
	lines := docLines(t, docBlock(t, s.repo, "--from=cronjob/"))
	runJob := func(name string, wantExit int) fleetView {
		t.Helper()
		var v fleetView
		for _, line := range lines {
			line = regexp.MustCompile(`\bnow\b`).ReplaceAllString(line, name)
			if strings.Contains(line, "diagnose merge") {
				s.waitJob(t, name)
				if r := s.sh(t, "", line); r.code != wantExit {
					t.Errorf("merge of job %s: exit %d, want %d", name, r.code, wantExit)
				}
				v = decodeView(t, s.quiet("", line+" -o json"))
				continue
			}
			if r := s.sh(t, "", line); r.code != 0 {
				t.Errorf("docs/fleet.md §4: exit %d", r.code)
			}
		}
		if len(v.Nodes) != 1 || v.Nodes[0].Name != nodeName || v.Summary.Missing != 0 {
			t.Errorf("job %s: want the one node %s, got %+v (missing %d)", name, nodeName, v.Nodes, v.Summary.Missing)
		}
		if v.Summary.Errors != 0 || v.Summary.UnknownSchema != 0 {
			t.Errorf("job %s: %d unreadable inputs; a pod's log must read as its report (issue 16, real-cluster item 4): %s", name, v.Summary.Errors, v.Errors)
		}
		t.Logf("job %s: %d reports of %d node(s), %d duplicates", name, v.Summary.Reports, v.Summary.Nodes, v.Summary.Duplicates)
		return v
	}

	// The first run while shop's pods fail.
	if v := runJob("now", 1); v.Healthy {
		t.Errorf("the failed run's view is healthy")
	}
	if st := s.waitJob(t, "now"); st != "Failed" {
		t.Errorf("the Job on a sick node is %s, want Failed", st)
	}

	// The workload goes; the node is healthy again in the DaemonSet's
	// next reports, failed Job pod or not.
	if r := s.sh(t, "", "kubectl delete namespace shop --timeout=2m"); r.code != 0 {
		t.Fatal("delete namespace shop failed")
	}
	start := time.Now()
	var last fleetView
	if !s.waitReport(t, 3*every+30*time.Second, func(v fleetView) bool { last = v; return v.Healthy }) {
		t.Errorf("the DaemonSet still reports %s unhealthy after the sick pods are gone: a failed Job pod must not keep a node unhealthy (issue 16, real-cluster item 2): %s", nodeName, problems(last))
	}
	ph.add("healed → healthy view", time.Since(start))

	// The second run: healthy, the failed run's pods notwithstanding.
	if v := runJob("again", 0); !v.Healthy {
		t.Errorf("the second run's view is unhealthy (issue 16, real-cluster item 2): %s", problems(v))
	}
	if st := s.waitJob(t, "again"); st != "Complete" {
		t.Errorf("the Job on the healed node is %s, want Complete: the earlier failed run must not fail it (issue 16, real-cluster item 2)", st)
	}

	// Completed Job pods leave NotReady sandboxes; they are not a warning.
	// The node's own report says what its warnings are about (this
	// machine adds one of its own: containerd's cgroup v1 deprecation).
	var about []string
	if _, ok := s.eventually(t, 2*every+30*time.Second, 2*time.Second, func() bool {
		about = s.jobProblems(t)
		return len(about) == 0
	}); !ok {
		t.Errorf("a node that ran the CronJob's pods is listed with problems about them (issue 16, real-cluster items 2 and 3):%s", strings.Join(about, ""))
	}
}

// jobProblems lists the problems in the DaemonSet's latest report that
// are about pods of the CronJob's Jobs.
func (s *session) jobProblems(t *testing.T) []string {
	t.Helper()
	r := s.quiet("", "kubectl logs -n "+fleetNS+" -l app.kubernetes.io/name="+fleetDS+" --tail=1")
	var report struct {
		Problems []struct{ Severity, Check, Object, Message string }
	}
	if err := json.Unmarshal([]byte(r.out), &report); err != nil {
		return []string{"\n  no report: " + err.Error() + ": " + r.out + r.err}
	}
	var out []string
	for _, p := range report.Problems {
		if strings.HasPrefix(p.Object, fleetNS+"/now-") || strings.HasPrefix(p.Object, fleetNS+"/again-") {
			out = append(out, fmt.Sprintf("\n  %s %s %s: %s", p.Severity, p.Check, p.Object, p.Message))
		}
	}
	return out
}

// docLines splits a docs block into its command lines, continuations
// joined, comments and blank lines left out.
func docLines(t *testing.T, block string) []string {
	t.Helper()
	var out []string
	cur := ""
	for _, line := range strings.Split(block, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		cur += line + "\n"
		if !strings.HasSuffix(trimmed, `\`) && !strings.HasSuffix(trimmed, "|") {
			out = append(out, strings.TrimSpace(cur))
			cur = ""
		}
	}
	if cur != "" {
		t.Fatalf("docs block ends inside a command:\n%s", block)
	}
	return out
}

func problems(v fleetView) string {
	var b strings.Builder
	for _, p := range v.Problems {
		fmt.Fprintf(&b, "\n  %s %s %s (%s)", p.Severity, p.Check, p.Sample.Message, p.Sample.Object)
	}
	return b.String()
}

// debugRecipe runs docs/fleet.md §5 word for word, with the node's name and
// the image make image built.
func debugRecipe(t *testing.T, s *session, ph *phases) {
	recipe := docBlock(t, s.repo, "kubectl debug node/")
	recipe = strings.ReplaceAll(recipe, "NAME", nodeName)
	recipe = regexp.MustCompile(`--image=\S+`).ReplaceAllString(recipe, "--image="+s.ref)
	// -it wants a terminal: script(1) gives the recipe one, as the
	// operator's would (without, kubectl asks containerd to attach with a
	// TTY and stderr, which it refuses).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "recipe.sh"), []byte(recipe+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recipe (docs/fleet.md §5):\n%s", recipe)
	r := s.sh(t, dir, "script -qec 'bash recipe.sh' /dev/null")
	out := strings.ReplaceAll(r.out, "\r\n", "\n")
	var debugPods []string
	for _, p := range strings.Fields(s.quiet("", "kubectl get pods -o name").out) {
		if strings.HasPrefix(p, "pod/node-debugger-"+nodeName+"-") {
			debugPods = append(debugPods, strings.TrimPrefix(p, "pod/"))
		}
	}
	want := "Node " + nodeName + ": healthy"
	if !strings.Contains(out, want) && strings.Contains(out, "Session ended") && len(debugPods) == 1 {
		// The report can end before kubectl attaches (seen in CI): the doc
		// says to read it from the debug pod's log then, as done here.
		out = s.sh(t, "", "kubectl logs "+debugPods[0]).out
	}
	if !strings.Contains(out, want) {
		t.Errorf("the debug pod's diagnosis does not say %q", want)
	}
	// "The debug pod stays behind: kubectl delete pod node-debugger-NAME-…"
	for _, p := range debugPods {
		s.sh(t, "", "kubectl delete pod "+p)
	}
}
