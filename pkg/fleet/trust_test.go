package fleet_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/pkg/fleet"
)

// prefixed tags every line of in as kubectl logs --prefix does for pod.
func prefixed(pod string, in ...string) string {
	var b strings.Builder
	for _, s := range in {
		for l := range strings.Lines(s) {
			fmt.Fprintf(&b, "[pod/%s/diagnose] %s", pod, strings.TrimSuffix(l, "\n")+"\n")
		}
	}
	return b.String()
}

// R1: a report for node-a from another pod, dated in the future and
// claiming health, neither hides node-a's own unhealthy report nor passes
// as a healthy fleet.
func TestMergeAnotherSourceCannotHideANode(t *testing.T) {
	t.Parallel()
	oom := rep("node-a", now.Add(-time.Minute), false, "error:exited with code 137 (OOMKilled)")
	for _, tc := range []struct {
		name    string
		forged  time.Time
		errs    []string
		sources int
	}{
		{"future", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), []string{"in0:2: report dated 2099-01-01T00:00:00Z, more than 5m0s after now: not merged"}, 1},
		{"newer but plausible", now, nil, 2},
		{"within the skew", now.Add(4 * time.Minute), nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := prefixed("ctr-cri-diagnose-aaaaa", oom) + prefixed("ctr-cri-diagnose-bbbbb", rep("node-a", tc.forged, true))
			v := merge(t, fleet.Options{}, in)
			if v.Healthy || len(v.Nodes) != 1 || v.Nodes[0].Healthy || v.Nodes[0].Errors != 1 {
				t.Fatalf("node-a passed as healthy: healthy %v nodes %+v", v.Healthy, v.Nodes)
			}
			if got := errorsOf(v); !slices.Equal(got, tc.errs) {
				t.Errorf("errors %q, want %q", got, tc.errs)
			}
			if tc.sources > 1 {
				if len(v.Conflicts) != 1 || len(v.Conflicts[0].Sources) != 2 || v.Summary.Conflicts != 1 {
					t.Errorf("conflict not shown: %+v", v.Conflicts)
				} else if c := v.Conflicts[0]; c.Sources[0].Source != "pod/ctr-cri-diagnose-aaaaa" || c.Sources[0].Healthy || !c.Sources[1].Healthy {
					t.Errorf("conflict %+v", c)
				}
			}
		})
	}
}

// Two sources that agree the node is healthy are shown as a conflict but
// do not fail the fleet: nothing unhealthy was set aside.
func TestMergeHealthyConflictIsShownNotFailed(t *testing.T) {
	t.Parallel()
	in := prefixed("job-0-x", rep("node-a", now.Add(-2*time.Minute), true)) + prefixed("job-1-y", rep("node-a", now.Add(-time.Minute), true))
	v := merge(t, fleet.Options{}, in)
	if !v.Healthy || v.Summary.Conflicts != 1 || v.Summary.Duplicates != 0 {
		t.Errorf("healthy %v summary %+v", v.Healthy, v.Summary)
	}
}

// The same pod reporting twice (--tail=2 of a DaemonSet pod) is ordinary
// superseding: a newer healthy report means the node recovered.
func TestMergeSameSourceSupersedes(t *testing.T) {
	t.Parallel()
	older := rep("node-a", now.Add(-20*time.Minute), false, "error:exited with code 137 (OOMKilled)")
	newer := rep("node-a", now.Add(-10*time.Minute), true)
	v := merge(t, fleet.Options{}, prefixed("ds-a", older, newer))
	if !v.Healthy || v.Summary.Conflicts != 0 || v.Summary.Duplicates != 1 || len(v.Duplicates) != 1 || !v.Duplicates[0].Recovered {
		t.Errorf("healthy %v summary %+v duplicates %+v", v.Healthy, v.Summary, v.Duplicates)
	}
	// The other way round the newer report is the unhealthy one.
	v = merge(t, fleet.Options{}, prefixed("ds-a", newer, older))
	if !v.Healthy || !v.Duplicates[0].Recovered {
		t.Errorf("a newer report read first must still win: %+v %+v", v.Summary, v.Duplicates)
	}
}

// R2: health is computed from the problems; a report whose healthy field
// disagrees is flagged.
func TestMergeHealthComesFromTheProblems(t *testing.T) {
	t.Parallel()
	liar := rep("node-a", now, true, "error:exited with code 137 (OOMKilled)", "error:exited with code 1 (Error)")
	v := merge(t, fleet.Options{}, liar+"\n")
	if v.Healthy || len(v.Nodes) != 1 || v.Nodes[0].Healthy || v.Nodes[0].Errors != 2 {
		t.Errorf("a report claiming health beside two errors counted healthy: %+v", v.Nodes)
	}
	if got := errorsOf(v); !slices.Equal(got, []string{"in0:1: the report says healthy: true but lists 2 errors: judged by its problems"}) {
		t.Errorf("errors %q", got)
	}
}

// R2: what jq and merge read must be the same document: case variants,
// duplicate keys and unknown severities are errors at their line.
func TestMergeStrictDecoding(t *testing.T) {
	t.Parallel()
	good := rep("node-a", now, false, "error:exited with code 1 (Error)")
	for name, tc := range map[string]struct{ in, want string }{
		"case variant": {strings.Replace(good, `"healthy":false`, `"healthy":false,"HEALTHY":true`, 1), `in0:1: key "HEALTHY" differs only in case from "healthy"`},
		"duplicate":    {strings.Replace(good, `"healthy":false`, `"healthy":false,"healthy":true`, 1), `in0:1: duplicate key "healthy"`},
		"nested dup":   {strings.Replace(good, `"name":"node-a"`, `"name":"node-a","name":"node-b"`, 1), `in0:1: duplicate key "name"`},
		"Error":        {strings.Replace(good, `"severity":"error"`, `"severity":"Error"`, 1), `in0:1: unknown severity "Error" (error or warning)`},
		"critical":     {strings.Replace(good, `"severity":"error"`, `"severity":"critical"`, 1), `in0:1: unknown severity "critical" (error or warning)`},
		"indented dup": {"{\n\"apiVersion\": \"ctrcri.diagnose/v1\",\n\"kind\": \"NodeDiagnosis\",\n\"kind\": \"x\"\n}", `in0:4: duplicate key "kind"`},
	} {
		t.Run(name, func(t *testing.T) {
			v := merge(t, fleet.Options{}, tc.in+"\n")
			if got := errorsOf(v); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("errors %q, want %q", got, tc.want)
			}
			if len(v.Nodes) != 0 || v.Healthy {
				t.Errorf("merged anyway: %+v", v.Nodes)
			}
		})
	}
}

// Item 4: diagnose's own verdict line, written to stderr after the report
// and interleaved into the pod log, is not unreadable input when it agrees
// with that pod's report; any other line still is.
func TestMergeSkipsDiagnoseVerdictLine(t *testing.T) {
	t.Parallel()
	sick := rep("node-a", now, false, "error:exited with code 1 (Error)", "warning:restarted 2 times", "warning:pod is not ready")
	in := prefixed("job-0-x", sick, "ctr: diagnose: 1 error and 2 warnings found") +
		prefixed("job-1-y", rep("node-b", now, true), "ctr: diagnose: 3 errors found")
	v := merge(t, fleet.Options{}, in)
	want := []string{"in0:4: not a report: text outside a JSON object"}
	if got := errorsOf(v); !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	if v.Summary.Nodes != 2 || v.Summary.Unhealthy != 1 {
		t.Errorf("summary %+v", v.Summary)
	}
}

// Item 4, seen on a real cluster: a pod's stdout and stderr reach its log
// through separate pipes, so kubectl logs can show the verdict line before
// the report it sums up. It is still diagnose's own line; a verdict that no
// report of its pod confirms is not.
func TestMergeSkipsVerdictLineBeforeItsReport(t *testing.T) {
	t.Parallel()
	sick := rep("node-a", now, false, "error:exited with code 1 (Error)", "warning:restarted 2 times", "warning:pod is not ready")
	in := prefixed("job-0-x", "ctr: diagnose: 1 error and 2 warnings found", sick) +
		prefixed("job-1-y", "ctr: diagnose: 3 errors found", rep("node-b", now, true)) +
		prefixed("job-2-z", "ctr: diagnose: 1 error found")
	v := merge(t, fleet.Options{}, in)
	want := []string{"in0:3: not a report: text outside a JSON object", "in0:5: not a report: text outside a JSON object"}
	if got := errorsOf(v); !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	if v.Summary.Nodes != 2 || v.Summary.Unhealthy != 1 {
		t.Errorf("summary %+v", v.Summary)
	}
}

// Bounded memory: a node keeps at most as many problems as diagnose
// itself reports, however many the input claims.
func TestMergeCapsProblemsPerNode(t *testing.T) {
	t.Parallel()
	ps := make([]string, 5000)
	for i := range ps {
		ps[i] = fmt.Sprintf("warning:thing %d is odd", i)
	}
	ps[4999] = "error:exited with code 1 (Error)"
	v := merge(t, fleet.Options{}, rep("node-a", now, false, ps...)+"\n")
	if len(v.Nodes) != 1 || v.Nodes[0].Errors != 1 || v.Nodes[0].Warnings != 4999 || v.Nodes[0].Healthy {
		t.Fatalf("nodes %+v", v.Nodes)
	}
	occ := 0
	for _, g := range v.Problems {
		occ += g.Occurrences
	}
	if occ != fleet.MaxNodeProblems {
		t.Errorf("%d problems grouped, want the cap %d", occ, fleet.MaxNodeProblems)
	}
}

// Item 6: versions glued to letters are not numbers.
func TestPatternKeepsVersionTokens(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"cgroup v1 is deprecated: use cgroup v2": "cgroup v1 is deprecated: use cgroup v2",
		"ipv6 disabled on eth0, 3 retries":       "ipv6 disabled on eth0, N retries",
		"exited with code 137 (OOMKilled)":       "exited with code N (OOMKilled)",
		"runc 1.4.3 is older than 1.2":           "runc N is older than N",
	} {
		if got := fleet.Pattern(in); got != want {
			t.Errorf("Pattern(%q) = %q, want %q", in, got, want)
		}
	}
}
