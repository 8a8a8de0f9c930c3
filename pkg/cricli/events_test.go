package cricli

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func containerEvent(ctrID, ctrName, podID, podName, ns string, typ runtimeapi.ContainerEventType) *runtimeapi.ContainerEventResponse {
	return &runtimeapi.ContainerEventResponse{
		ContainerId:        ctrID,
		ContainerEventType: typ,
		CreatedAt:          testNow.UnixNano(),
		PodSandboxStatus:   &runtimeapi.PodSandboxStatus{Id: podID, Metadata: &runtimeapi.PodSandboxMetadata{Name: podName, Namespace: ns}},
		ContainersStatuses: []*runtimeapi.ContainerStatus{{Id: ctrID, Metadata: &runtimeapi.ContainerMetadata{Name: ctrName}}},
	}
}

func eventsNode(t *testing.T) *streamNode {
	n := newStreamNode(t)
	n.events = []*runtimeapi.ContainerEventResponse{
		containerEvent(ctrW, "nginx", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT),
		containerEvent(ctrW, "nginx", podA, "web", "shop", runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT),
		containerEvent(ctrY, "postgres", podB, "db", "data", runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT),
		containerEvent(ctrY, "postgres", podB, "db", "data", runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT),
	}
	return n
}

// eventTypes decodes a stream of JSON events into their types.
func eventTypes(t *testing.T, out string) []string {
	t.Helper()
	var types []string
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var ev struct {
			ContainerEventType string `json:"containerEventType"`
			ContainerID        string `json:"containerId"`
		}
		if err := dec.Decode(&ev); err == io.EOF {
			return types
		} else if err != nil {
			t.Fatalf("output is not a stream of JSON objects: %v\n%s", err, out)
		}
		types = append(types, ev.ContainerEventType)
	}
}

func TestEventsStreamUntilTheRuntimeClosesIt(t *testing.T) {
	n := eventsNode(t)
	r := ctr(t, n.Endpoint, "cri", "events").ok(t)
	got := strings.Join(eventTypes(t, r.stdout), " ")
	if got != "CONTAINER_CREATED_EVENT CONTAINER_STARTED_EVENT CONTAINER_STOPPED_EVENT CONTAINER_DELETED_EVENT" {
		t.Errorf("events: %s", got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "started", "--type", "deleted"}, "CONTAINER_STARTED_EVENT CONTAINER_DELETED_EVENT"},
		{[]string{"--pod", "data/db"}, "CONTAINER_STOPPED_EVENT CONTAINER_DELETED_EVENT"},
		{[]string{"--pod", podA[:6], "--type", "created"}, "CONTAINER_CREATED_EVENT"},
		{[]string{"--container", "postgres", "--type", "stopped"}, "CONTAINER_STOPPED_EVENT"},
		{[]string{"--container", ctrW[:5]}, "CONTAINER_CREATED_EVENT CONTAINER_STARTED_EVENT"},
	} {
		r := ctr(t, n.Endpoint, append([]string{"cri", "events"}, tc.args...)...).ok(t)
		if got := strings.Join(eventTypes(t, r.stdout), " "); got != tc.want {
			t.Errorf("events %v: %s, want %s", tc.args, got, tc.want)
		}
	}
	r = ctr(t, n.Endpoint, "cri", "events", "-o", "yaml", "--pod", "web").ok(t)
	if strings.Count(r.stdout, "---\n") != 1 || strings.Count(r.stdout, "containerEventType:") != 2 {
		t.Errorf("events -o yaml: want two documents separated by ---, got\n%s", r.stdout)
	}
	r = ctr(t, n.Endpoint, "cri", "events", "-o", "go-template={{.containerEventType}} {{.podSandboxStatus.metadata.name}}").ok(t)
	if r.stdout != "CONTAINER_CREATED_EVENT web\nCONTAINER_STARTED_EVENT web\nCONTAINER_STOPPED_EVENT db\nCONTAINER_DELETED_EVENT db\n" {
		t.Errorf("events go-template: %q", r.stdout)
	}
}

func TestEventsEndCleanlyOnInterrupt(t *testing.T) {
	n := eventsNode(t)
	n.eventsHold = true
	s := startBg(t, n.Endpoint, sessionIO{}, "cri", "events", "--type", "deleted")
	s.stdout.waitFor(t, "CONTAINER_DELETED_EVENT")
	s.cancel()
	if r := s.wait(t); r.code != 0 || r.stderr != "" {
		t.Errorf("Ctrl-C: exit %d stderr %q, want a clean end", r.code, r.stderr)
	}
}

func TestEventsBadInputAndUnimplemented(t *testing.T) {
	n := eventsNode(t)
	for _, args := range [][]string{{"events", "--type", "exploded"}, {"events", "-o", "ndjson"}, {"events", "now"},
		{"events", "-o", "json", "--template", "x"}, {"events", "-o", "yaml", "--template", "{{.}}"}} {
		n.RuntimeCalls()
		ctr(t, n.Endpoint, append([]string{"cri"}, args...)...).fails(t, 2)
		if calls := n.RuntimeCalls(); len(calls) != 0 {
			t.Errorf("%v: RPCs %v before rejecting the command line", args, calls)
		}
	}
	n.eventsErr = status.Error(codes.Unimplemented, "method GetContainerEvents not implemented")
	r := ctr(t, n.Endpoint, "cri", "events").fails(t, 1, "ctr: container events: the runtime does not implement GetContainerEvents\n")
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want exactly one line, got %q", r.stderr)
	}
}
