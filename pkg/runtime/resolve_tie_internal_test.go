package runtime

import (
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Attempts with equal attempt numbers and stamps (a runtime that reports no
// created_at) must resolve the same way whatever order the list came in:
// the running one is current.
func TestNameTieDoesNotDependOnListOrder(t *testing.T) {
	t.Parallel()
	mk := func(id string, st runtimeapi.ContainerState) Container {
		return Container{Container: &runtimeapi.Container{Id: id, PodSandboxId: "pod1", State: st,
			Metadata: &runtimeapi.ContainerMetadata{Name: "app"}}}
	}
	run, exited := mk("bbbb", runtimeapi.ContainerState_CONTAINER_RUNNING), mk("cccc", runtimeapi.ContainerState_CONTAINER_EXITED)
	for _, items := range [][]Container{{run, exited}, {exited, run}} {
		got, err := containerResolver.pick("app", items)
		if err != nil || got.Id != "bbbb" {
			t.Errorf("order %s,%s: got %q, %v; want the running attempt", items[0].Id, items[1].Id, got.Id, err)
		}
	}
}
