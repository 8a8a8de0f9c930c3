package views

import (
	"strconv"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// eventColumns are events -o table|wide: one line per event, like ctr
// events and kubectl get events -w. Widths are fixed where the values are
// (time, type, IDs), so lines stay aligned as they arrive.
var eventColumns = []printer.Column{
	{Header: "TIME", MinWidth: len(time.RFC3339)}, {Header: "TYPE", MinWidth: len("deleted")},
	{Header: "CONTAINER", ID: true, MinWidth: 13}, {Header: "NAME", MinWidth: 12}, {Header: "ATTEMPT"},
	{Header: "POD", MinWidth: 12}, {Header: "NAMESPACE", MinWidth: 10},
	{Header: "POD ID", ID: true, Wide: true, MinWidth: 13}, {Header: "STATE", Wide: true, MinWidth: len("Created")},
	{Header: "EXIT", Wide: true}, {Header: "IMAGE", Wide: true},
}

// eventType is the --type word of an event.
func eventType(t runtimeapi.ContainerEventType) string {
	s := strings.TrimPrefix(strings.TrimSuffix(t.String(), "_EVENT"), "CONTAINER_")
	return strings.ToLower(s)
}

// Event is one container event: crictl's document, and one table row. The
// runtime sends the pod's own events with the pod's ID as the container ID;
// their NAME reads "(sandbox)".
func Event(ev *runtimeapi.ContainerEventResponse) *printer.Resource {
	return &printer.Resource{Doc: ev, IDs: []string{ev.ContainerId}, Columns: eventColumns,
		Rows: func(emit func(...string)) {
			pod := ev.GetPodSandboxStatus()
			var st *runtimeapi.ContainerStatus
			for _, cs := range ev.ContainersStatuses {
				if cs.GetId() == ev.ContainerId {
					st = cs
				}
			}
			name, attempt, state, exit, image := "", "", "", "", ""
			switch {
			case st != nil:
				name = st.GetMetadata().GetName()
				attempt = strconv.FormatUint(uint64(st.GetMetadata().GetAttempt()), 10)
				state = ContainerState(st.GetState())
				if st.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
					exit = strconv.FormatInt(int64(st.GetExitCode()), 10)
				}
				image = st.GetImage().GetImage()
			case ev.ContainerId != "" && ev.ContainerId == pod.GetId():
				name = "(sandbox)"
				attempt = strconv.FormatUint(uint64(pod.GetMetadata().GetAttempt()), 10)
				state = PodState(pod.GetState())
			}
			emit(EventTime(ev.CreatedAt), eventType(ev.ContainerEventType), ev.ContainerId, name, attempt,
				pod.GetMetadata().GetName(), pod.GetMetadata().GetNamespace(), pod.GetId(), state, exit, image)
		}}
}

// EventTime is the TIME of an event row: local time to the second.
func EventTime(unixNano int64) string {
	if unixNano == 0 {
		return ""
	}
	return time.Unix(0, unixNano).Format(time.RFC3339)
}
