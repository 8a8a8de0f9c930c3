package cricli

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// watchNode is a stream node whose event stream stays open and takes
// events from the test.
func watchNode(t *testing.T) *streamNode {
	n := newStreamNode(t)
	n.eventsHold = true
	n.eventsLive = make(chan *runtimeapi.ContainerEventResponse, 64)
	return n
}

// waitLines waits until out has at least n lines and returns them.
func waitLines(t *testing.T, out *syncBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(got) >= n && out.String() != "" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d lines, got %q", n, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (n *streamNode) removeContainer(id string) {
	n.RuntimeService.Lock()
	defer n.RuntimeService.Unlock()
	delete(n.RuntimeService.Containers, id)
}

func TestPsWatchPrintsOneLinePerChangedRow(t *testing.T) {
	n := watchNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "ps", "-a", "-w")
	first := waitLines(t, s.stdout, 4)
	if !strings.HasPrefix(first[0], "CONTAINER ") || len(first) != 4 {
		t.Fatalf("ps -w starts with the table, got %q", first)
	}
	waitFor(t, func() bool { return n.count("GetContainerEvents") == 1 })
	before := n.count("ListContainers")

	// A burst of events that change nothing: no line, and one re-list (or
	// two, if the burst straddles the settle time), not one per event.
	for range 20 {
		n.eventsLive <- containerEvent(ctrW, "nginx", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT)
	}
	waitFor(t, func() bool { return n.count("ListContainers") > before })
	time.Sleep(3 * cmdutil.WatchSettle)
	if got := n.count("ListContainers") - before; got > 2 {
		t.Errorf("20 events made %d re-lists, want at most 2", got)
	}
	if got := waitLines(t, s.stdout, 4); len(got) != 4 {
		t.Errorf("events that change nothing printed %q", got[4:])
	}

	n.setState(ctrY, runtimeapi.ContainerState_CONTAINER_EXITED)
	n.eventsLive <- containerEvent(ctrY, "postgres", podB, "db", "data", runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT)
	got := waitLines(t, s.stdout, 5)
	if f := strings.Fields(got[4]); len(got) != 5 || f[0] != ctrY[:13] || !strings.Contains(got[4], "Exited") {
		t.Errorf("after postgres stopped: %q, want one line for it, Exited", got[4:])
	}

	n.removeContainer(ctrX)
	n.eventsLive <- containerEvent(ctrX, "sidecar", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT)
	got = waitLines(t, s.stdout, 6)
	if len(got) != 6 || !strings.HasPrefix(got[5], ctrX[:13]) || !strings.Contains(got[5], "Removed") {
		t.Errorf("after sidecar was removed: %q, want its last line with Removed", got[5:])
	}
	if strings.Count(s.stdout.String(), "CONTAINER ") != 1 {
		t.Errorf("the header is printed once:\n%s", s.stdout.String())
	}
	// Columns stay where the first table put them.
	if strings.Index(got[0], "NAME") != strings.Index(got[4], "postgres") {
		t.Errorf("change lines do not line up with the table:\n%s", strings.Join(got, "\n"))
	}
	s.cancel()
	if r := s.wait(t); r.code != 0 || r.stderr != "" {
		t.Errorf("Ctrl-C: exit %d stderr %q, want a clean end", r.code, r.stderr)
	}
}

func TestPodsWatchFollowsSandboxEvents(t *testing.T) {
	n := watchNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "pods", "-w", "--no-headers")
	first := waitLines(t, s.stdout, 2)
	if strings.HasPrefix(first[0], "POD ID") {
		t.Fatalf("--no-headers printed the header: %q", first)
	}
	waitFor(t, func() bool { return n.count("GetContainerEvents") == 1 })
	n.RuntimeService.Lock()
	n.RuntimeService.Sandboxes[podA].State = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	n.RuntimeService.Unlock()
	// containerd reports a pod's own events with the pod's ID.
	n.eventsLive <- containerEvent(podA, "", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT)
	got := waitLines(t, s.stdout, 3)
	if len(got) != 3 || !strings.HasPrefix(got[2], podA[:13]) || !strings.Contains(got[2], "NotReady") {
		t.Errorf("after web stopped: %q", got)
	}
	s.cancel()
	if r := s.wait(t); r.code != 0 {
		t.Errorf("Ctrl-C: exit %d", r.code)
	}
}

func TestPsWatchPollsARuntimeWithoutEvents(t *testing.T) {
	defer func(d time.Duration) { cmdutil.WatchPoll = d }(cmdutil.WatchPoll)
	cmdutil.WatchPoll = 50 * time.Millisecond
	n := watchNode(t)
	n.eventsErr = status.Error(codes.Unimplemented, "method GetContainerEvents not implemented")
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "ps", "-a", "-w")
	waitLines(t, s.stdout, 4)
	n.setState(ctrW, runtimeapi.ContainerState_CONTAINER_EXITED)
	got := waitLines(t, s.stdout, 5)
	if !strings.HasPrefix(got[4], ctrW[:13]) || !strings.Contains(got[4], "Exited") {
		t.Errorf("polling missed nginx's exit: %q", got)
	}
	s.cancel()
	if r := s.wait(t); r.code != 0 || r.stderr != "" {
		t.Errorf("Ctrl-C: exit %d stderr %q", r.code, r.stderr)
	}
}

// With a document format, -w prints the whole document again when it
// changes: one JSON value per change, which a stream parser (jq) splits.
func TestPsWatchJSONPrintsADocumentPerChange(t *testing.T) {
	n := watchNode(t)
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "ps", "-a", "-w", "-o", "json")
	s.stdout.waitFor(t, "]\n}\n")
	waitFor(t, func() bool { return n.count("GetContainerEvents") == 1 })
	n.setState(ctrY, runtimeapi.ContainerState_CONTAINER_EXITED)
	n.eventsLive <- containerEvent(ctrY, "postgres", podB, "db", "data", runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT)
	waitFor(t, func() bool { return strings.Count(s.stdout.String(), "]\n}\n") == 2 })
	s.cancel()
	s.wait(t)
	dec := json.NewDecoder(strings.NewReader(s.stdout.String()))
	var states []string
	for {
		var doc struct {
			Containers []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"containers"`
		}
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not a stream of JSON documents: %v", err)
		}
		for _, c := range doc.Containers {
			if c.ID == ctrY {
				states = append(states, c.State)
			}
		}
	}
	if strings.Join(states, " ") != "CONTAINER_RUNNING CONTAINER_EXITED" {
		t.Errorf("postgres across the documents: %v", states)
	}
}

func TestWatchBadInput(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"ps", "-w", "-q"}, {"pods", "-w", "--quiet"}, {"ps", "-w", "-v"}, {"ps", "-w", "-o", "json", "--no-headers"},
		{"pods", "-w", "-o", "bogus"},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, args...)...).fails(t, 2)
		if strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: want one line on stderr, got %q / %q", args, r.stderr, r.stdout)
		}
	}
	ctr(t, s.Endpoint, "cri", "ps", "-w", "-q").fails(t, 2, "-w and -q cannot be combined")
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("usage errors made RPCs: %v", calls)
	}
}

// A watch started before anything exists still lines its rows up under
// the header: stream columns start at a typical width (a longer value
// than that pushes the rest of its line to the right).
func TestPsWatchFromAnEmptyListLinesUp(t *testing.T) {
	n := watchNode(t)
	n.SetContainers()
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "ps", "-a", "-w")
	waitLines(t, s.stdout, 1)
	waitFor(t, func() bool { return n.count("GetContainerEvents") == 1 })
	n.SetContainers(runtimetest.Container{ID: ctrW, Name: "nginx", PodID: podA, Image: "busybox:1.36",
		ImageRef: imgB, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(90 * time.Minute)})
	n.eventsLive <- containerEvent(ctrW, "nginx", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT)
	got := waitLines(t, s.stdout, 2)
	for _, col := range []string{"STATE", "NAME", "POD ID", "NAMESPACE"} {
		h := strings.Index(got[0], col)
		if h < 0 || len(got[1]) <= h || got[1][h-1] != ' ' || got[1][h] == ' ' {
			t.Errorf("%s does not line up:\n%s", col, strings.Join(got, "\n"))
		}
	}
	s.cancel()
	s.wait(t)
}
