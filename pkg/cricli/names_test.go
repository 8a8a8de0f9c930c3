package cricli

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// Two more pods for --pod: web in another namespace, and an older sandbox
// (attempt 0, not ready) of shop/web.
const (
	podC   = "c0c0c0c0a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	podOld = "a1b2ffffe5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
	ctrOld = "e0e0e0e0a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
	ctrC   = "f0f0f0f0a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
)

// podsNode is node() plus shop/web's older sandbox with one exited
// container; with twoWebs, a pod web in namespace dev with one container.
func podsNode(t *testing.T, twoWebs bool) *streamNode {
	n := statsNode(t)
	pods := []runtimetest.Pod{
		{ID: podA, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(2 * time.Hour), Labels: map[string]string{"app": "web"}, Attempt: 1},
		{ID: podOld, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ago(3 * time.Hour)},
		{ID: podB, Name: "db", Namespace: "data", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ago(time.Hour)},
	}
	containers := []runtimetest.Container{
		{ID: ctrW, Name: "nginx", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(90 * time.Minute)},
		{ID: ctrX, Name: "sidecar", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: ago(80 * time.Minute), Attempt: 2},
		{ID: ctrY, Name: "postgres", PodID: podB, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(30 * time.Minute)},
		{ID: ctrOld, Name: "nginx", PodID: podOld, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: ago(170 * time.Minute)},
	}
	if twoWebs {
		pods = append(pods, runtimetest.Pod{ID: podC, Name: "web", Namespace: "dev", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Minute)})
		containers = append(containers, runtimetest.Container{ID: ctrC, Name: "nginx", PodID: podC, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(time.Minute)})
	}
	n.SetPods(pods...)
	n.SetContainers(containers...)
	n.RuntimeCalls()
	return n
}

func ids(out string) []string {
	return strings.Fields(out)
}

func sameIDs(got, want []string) bool {
	return len(got) == len(want) && (len(got) == 0 || sameSet(got, want))
}

// TestPodFlagTakesNames is finding #15: --pod takes what a pod argument
// takes (ID, prefix, name, namespace/name) in ps, inspect, exec and stats,
// with the same RPCs as before; a pod name selects every sandbox of the pod.
func TestPodFlagTakesNames(t *testing.T) {
	n := podsNode(t, false)
	web := []string{ctrW, ctrX, ctrOld}
	for _, pod := range []string{"web", "shop/web", podA[:4] + "c", "a1b2c3"} {
		t.Run(pod, func(t *testing.T) {
			want := web
			if strings.HasPrefix(podA, pod) {
				want = []string{ctrW, ctrX} // an ID means that sandbox only
			}
			n.RuntimeCalls()
			r := ctr(t, n.Endpoint, "cri", "ps", "-a", "-q", "--no-trunc", "--pod", pod).ok(t)
			if got := ids(r.stdout); !sameIDs(got, want) {
				t.Errorf("ps --pod %s = %v, want %v", pod, got, want)
			}
			if got := callCounts(n.RuntimeCalls()); got["ListContainers"] != 1 || got["ListPodSandbox"] != 1 || len(got) != 2 {
				t.Errorf("ps --pod %s made %v, want one ListContainers and one ListPodSandbox", pod, got)
			}
			r = ctr(t, n.Endpoint, "cri", "inspect", "--state", "exited", "--pod", pod).ok(t)
			if !strings.Contains(r.stdout, ctrX) || strings.Contains(r.stdout, ctrOld) != (len(want) == 3) || strings.Contains(r.stdout, ctrW) {
				t.Errorf("inspect --pod %s --state exited: want %s, and %s only by name:\n%s", pod, ctrX, ctrOld, r.stdout)
			}
			r = ctr(t, n.Endpoint, "cri", "stats", "-a", "-o", "go-template={{range .stats}}{{.attributes.id}} {{end}}", "--pod", pod).ok(t)
			if got := ids(r.stdout); !sameIDs(got, []string{ctrW, ctrX}) {
				t.Errorf("stats -a --pod %s = %v", pod, got)
			}
		})
	}
	ctr(t, n.Endpoint, "cri", "exec", "-s", "-q", "--pod", "shop/web", "true").ok(t)
	if got := n.syncReqs; len(got) != 1 || got[0].ContainerId != ctrW {
		t.Errorf("exec --pod shop/web ran %v, want once in the running %s", got, ctrW)
	}
}

// TestPodFlagBadValues: a --pod that names nothing or two pods is an error
// naming it (exit 1), never an empty table.
func TestPodFlagBadValues(t *testing.T) {
	n := podsNode(t, true)
	ambiguous := `ctr: pod "web": ambiguous, matches shop/web (a1b2c3d4e5f6a), shop/web (a1b2ffffe5f6a), dev/web (c0c0c0c0a7b8c)` + "\n"
	for _, args := range [][]string{
		{"ps", "--pod", "web"},
		{"inspect", "--pod", "web"},
		{"stats", "--pod", "web"},
		{"exec", "-s", "--pod", "web", "true"},
	} {
		r := ctr(t, n.Endpoint, append([]string{"cri"}, args...)...).fails(t, 1)
		if r.stderr != ambiguous || r.stdout != "" {
			t.Errorf("%v:\n got %q (stdout %q)\nwant %q", args, r.stderr, r.stdout, ambiguous)
		}
	}
	ctr(t, n.Endpoint, "cri", "ps", "--pod", "nope").fails(t, 1, `ctr: pod "nope": not found`)
	ctr(t, n.Endpoint, "cri", "ps", "--pod", "a1b2").fails(t, 1, `ctr: pod "a1b2": ambiguous, matches`)
	// Qualified, the name is unique again.
	r := ctr(t, n.Endpoint, "cri", "ps", "-q", "--no-trunc", "--pod", "dev/web").ok(t)
	if got := ids(r.stdout); !sameIDs(got, []string{ctrC}) {
		t.Errorf("ps --pod dev/web = %v", got)
	}
}

// TestCrictlPodFlag: under the crictl name an ID or prefix behaves as
// crictl's runtime-side filter (unknown: empty, exit 0); a name is accepted.
func TestCrictlPodFlag(t *testing.T) {
	n := podsNode(t, true)
	r := crictl(t, "-r", n.Endpoint, "ps", "-q", "--pod", "nope").ok(t)
	if r.stdout != "" {
		t.Errorf("crictl ps --pod nope: %q, want nothing", r.stdout)
	}
	r = crictl(t, "-r", n.Endpoint, "ps", "-q", "--no-trunc", "--pod", podC[:6]).ok(t)
	if got := ids(r.stdout); !sameIDs(got, []string{ctrC}) {
		t.Errorf("crictl ps --pod PREFIX = %v", got)
	}
	r = crictl(t, "-r", n.Endpoint, "ps", "-q", "--no-trunc", "--pod", "dev/web").ok(t)
	if got := ids(r.stdout); !sameIDs(got, []string{ctrC}) {
		t.Errorf("crictl ps --pod dev/web = %v", got)
	}
}

// TestPodArgumentNewestSandbox: a pod name given as an argument means the
// newest sandbox of that pod, not an ambiguity between its attempts, even
// when none is ready (kubelet recreating it).
func TestPodArgumentNewestSandbox(t *testing.T) {
	n := podsNode(t, false)
	n.SetPods(
		runtimetest.Pod{ID: podOld, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ago(3 * time.Hour)},
		runtimetest.Pod{ID: podA, Name: "web", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ago(2 * time.Hour), Attempt: 1},
	)
	r := ctr(t, n.Endpoint, "cri", "inspectp", "-o", "go-template={{.status.id}}", "web").ok(t)
	if strings.TrimSpace(r.stdout) != podA {
		t.Errorf("inspectp web = %q, want the attempt-1 sandbox %s", r.stdout, podA)
	}
}

// TestLabelSelectors is finding #15: --label takes k=v, k!=v, k and !k in
// every command that has it, with the same RPCs as plain equality; what it
// cannot parse is a usage error naming the term.
func TestLabelSelectors(t *testing.T) {
	n := statsNode(t) // nginx has tier=front; pod web has app=web
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"ps", "-a", "-q", "--no-trunc", "--label", "tier!=front"}, []string{ctrX, ctrY}},
		{[]string{"ps", "-a", "-q", "--no-trunc", "--label", "!tier"}, []string{ctrX, ctrY}},
		{[]string{"ps", "-a", "-q", "--no-trunc", "--label", "tier"}, []string{ctrW}},
		{[]string{"ps", "-a", "-q", "--no-trunc", "--label", "tier=front", "--label", "tier!=back"}, []string{ctrW}},
		{[]string{"ps", "-a", "-q", "--no-trunc", "--label", "tier=front", "--label", "tier=back"}, nil},
		{[]string{"pods", "-q", "--no-trunc", "--label", "app!=web"}, []string{podB}},
		{[]string{"pods", "-q", "--no-trunc", "--label", "app"}, []string{podA}},
		{[]string{"inspect", "-o", "go-template={{.status.id}}", "--label", "!tier"}, []string{ctrY}},
		{[]string{"inspectp", "-o", "go-template={{.status.id}}", "--label", "!app"}, []string{podB}},
		{[]string{"stats", "-a", "-o", "go-template={{range .stats}}{{.attributes.id}} {{end}}", "--label", "tier!=front"}, []string{ctrX, ctrY}},
	} {
		n.RuntimeCalls()
		r := ctr(t, n.Endpoint, append([]string{"cri"}, tc.args...)...).ok(t)
		if got := ids(r.stdout); !sameIDs(got, tc.want) {
			t.Errorf("%v = %v, want %v", tc.args, got, tc.want)
		}
		for call, k := range callCounts(n.RuntimeCalls()) {
			if k != 1 && !strings.HasSuffix(call, "Status") {
				t.Errorf("%v: %d %s calls, want one list call each", tc.args, k, call)
			}
		}
	}
	for _, bad := range []string{"app!", "=v", "a==b", "a=b=c", "!", "a b=c"} {
		for _, cmd := range []string{"ps", "pods", "inspect", "inspectp", "stats", "statsp"} {
			r := ctr(t, n.Endpoint, "cri", cmd, "--label", bad).fails(t, 2)
			if !strings.HasPrefix(r.stderr, "ctr: invalid --label "+strconv.Quote(bad)+": ") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%s --label %q: stderr %q, want one line naming it", cmd, bad, r.stderr)
			}
		}
	}
	if calls := n.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("bad selectors still made RPCs: %v", calls)
	}
}

// TestExecNamesWhatTheUserTyped is A.5: an exec the runtime refuses names
// the container as typed, with a short ID, not as a 64-character ID.
func TestExecNamesWhatTheUserTyped(t *testing.T) {
	n := newStreamNode(t)
	n.execSync = func(*runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
		return nil, status.Error(codes.Unknown, "container is in CONTAINER_EXITED state")
	}
	r := ctr(t, n.Endpoint, "cri", "exec", "-s", "sidecar", "true").fails(t, 1)
	if want := `ctr: exec in container "sidecar" (c3d4ffffa7b8c): container is in CONTAINER_EXITED state` + "\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	r = ctr(t, n.Endpoint, "cri", "exec", "-s", ctrX, "true").fails(t, 1)
	if strings.Count(r.stderr, ctrX) != 1 || strings.Contains(r.stderr, "(c3d4ffffa7b8c)") {
		t.Errorf("by full ID: %q, want the ID once", r.stderr)
	}
}

// TestPortForwardToAContainerNamesItsPod is A.6: port-forward takes a pod;
// given a container's name it says whose container that is.
func TestPortForwardToAContainerNamesItsPod(t *testing.T) {
	n := newStreamNode(t)
	ctr(t, n.Endpoint, "cri", "port-forward", "nginx", "8080").fails(t, 1,
		`ctr: pod "nginx": not found (nginx is a container of pod shop/web: ctr cri port-forward shop/web 8080)`)
	r := crictl(t, "-r", n.Endpoint, "port-forward", "nginx", ":80")
	if want := `crictl: pod "nginx": not found (nginx is a container of pod shop/web: crictl port-forward shop/web :80)`; !strings.Contains(r.stderr, want) {
		t.Errorf("crictl: %q, want %q", r.stderr, want)
	}
	ctr(t, n.Endpoint, "cri", "port-forward", "nosuch", "8080").fails(t, 1, `ctr: pod "nosuch": not found`+"\n")
}

// TestAmbiguityIsOneEscapedLine: candidates carry runtime strings (names,
// namespaces); the error stays one line with control characters escaped.
func TestAmbiguityIsOneEscapedLine(t *testing.T) {
	s := runtimetest.New(t)
	s.SetPods(
		runtimetest.Pod{ID: podA, Name: "web", Namespace: "shop\x1b]0;x\x07", State: runtimeapi.PodSandboxState_SANDBOX_READY},
		runtimetest.Pod{ID: podB, Name: "web\n2", Namespace: "data", State: runtimeapi.PodSandboxState_SANDBOX_READY},
	)
	s.SetContainers(
		runtimetest.Container{ID: ctrW, Name: "job\x1b[2J", PodID: podA, State: runtimeapi.ContainerState_CONTAINER_EXITED},
		runtimetest.Container{ID: ctrY, Name: "job\x1b[2J", PodID: podB, State: runtimeapi.ContainerState_CONTAINER_EXITED},
	)
	r := ctr(t, s.Endpoint, "cri", "logs", "job\x1b[2J").fails(t, 1)
	if strings.Count(r.stderr, "\n") != 1 || strings.ContainsAny(r.stderr, "\x1b\x07") || !strings.Contains(r.stderr, "attempt 0 in pod data/web") {
		t.Errorf("stderr %q: want one escaped line listing both", r.stderr)
	}
}
