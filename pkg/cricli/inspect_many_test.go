package cricli

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// manyNode is a fake node with n pods, one container in each, and n images;
// IDs are hashes, so their 20-digit prefixes are unique.
func manyNode(t *testing.T, n int) (*runtimetest.Server, []string, []string, []string) {
	t.Helper()
	s := runtimetest.New(t)
	var pods []runtimetest.Pod
	var ctrs []runtimetest.Container
	var imgs []*runtimeapi.Image
	var podIDs, ctrIDs, imgIDs []string
	for i := range n {
		pid := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint("pod", i))))
		cid := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint("ctr", i))))
		iid := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(fmt.Sprint("img", i))))
		pods = append(pods, runtimetest.Pod{ID: pid, Name: fmt.Sprintf("pod-%02d", i), Namespace: "ns", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ago(time.Duration(i+1) * time.Minute)})
		ctrs = append(ctrs, runtimetest.Container{ID: cid, Name: fmt.Sprintf("c-%02d", i), PodID: pid, Image: "img", ImageRef: iid, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ago(time.Duration(i+1) * time.Minute)})
		imgs = append(imgs, &runtimeapi.Image{Id: iid, RepoTags: []string{fmt.Sprintf("reg.example/app:v%02d", i)}, Size: uint64(1000 + i)})
		podIDs, ctrIDs, imgIDs = append(podIDs, pid), append(ctrIDs, cid), append(imgIDs, iid)
	}
	s.SetPods(pods...)
	s.SetContainers(ctrs...)
	s.SetImages(imgs...)
	s.RuntimeCalls()
	s.ImageCalls()
	return s, podIDs, ctrIDs, imgIDs
}

// TestInspectManyKeepsOrderAndBytes: several targets print in the order
// asked, byte for byte what the one-at-a-time code printed (the golden files
// were written by it), for each of the three inspect commands.
func TestInspectManyKeepsOrderAndBytes(t *testing.T) {
	s, pods, ctrs, imgs := manyNode(t, 20)
	// A shuffled order: printing in completion or list order would differ.
	order := []int{7, 0, 19, 3, 12, 1, 18, 5, 9, 2, 15, 11, 4, 17, 6, 14, 8, 16, 10, 13}
	pick := func(ids []string) []string {
		var out []string
		for _, i := range order {
			out = append(out, ids[i][:20])
		}
		return out
	}
	for _, tc := range []struct {
		cmd  string
		ids  []string
		file string
	}{
		{"inspect", pick(ctrs), "inspect-many.json"},
		{"inspectp", pick(pods), "inspectp-many.json"},
		{"inspecti", pick(imgs), "inspecti-many.json"},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri", tc.cmd}, tc.ids...)...).ok(t)
		golden(t, tc.file, r.stdout)
	}
}

// TestInspectManyFailuresInOrder: targets whose status call fails are
// reported on stderr in the order asked, one line each, and the others
// still print in order. The fake fails the first three status calls it
// serves, whichever targets they are for.
func TestInspectManyFailuresInOrder(t *testing.T) {
	s, _, ctrs, _ := manyNode(t, 20)
	for range 3 {
		s.RuntimeService.InjectError("ContainerStatus", errors.New("runtime hiccup"))
	}
	r := ctr(t, s.Endpoint, append([]string{"cri", "inspect", "-o", "json"}, ctrs...)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	failed := map[string]bool{}
	last := -1
	for _, l := range lines {
		at := -1
		for i, id := range ctrs {
			if strings.Contains(l, id[:12]) {
				at = i
			}
		}
		if at < 0 || !strings.Contains(l, "runtime hiccup") {
			t.Fatalf("stderr line %q names no target or not the failure", l)
		}
		if at <= last {
			t.Errorf("failures out of the order asked:\n%s", r.stderr)
		}
		last = at
		failed[ctrs[at]] = true
	}
	if len(failed) != 3 {
		t.Errorf("want 3 failures, one line each:\n%s", r.stderr)
	}
	var want strings.Builder
	for _, id := range ctrs {
		if !failed[id] {
			want.WriteString(id + "\n")
		}
	}
	if got := statusIDs(t, r.stdout); got != want.String() {
		t.Errorf("printed:\n%s\nwant the other IDs in the order asked:\n%s", got, want.String())
	}
}

// TestInspectManyBoundedInFlight: status calls overlap, but never more than
// maxInFlight reach the runtime at once. While the test holds the fake's
// lock every call that reached it waits there, so counting the server
// goroutines parked in ContainerStatus counts the calls in flight.
func TestInspectManyBoundedInFlight(t *testing.T) {
	s, _, ctrs, _ := manyNode(t, 40)
	args := append([]string{"cri", "inspect", "-o", "json"}, ctrs...)
	const frame = "(*FakeRuntimeService).ContainerStatus"
	s.RuntimeService.Lock()
	resc := make(chan result, 1)
	go func() { resc <- ctr(t, s.Endpoint, args...) }()
	// Let the resolving list calls (containers, and pods for their names)
	// through and take the lock straight back: the status calls need the
	// lists' answers first, so they find it held.
	waitFor(t, func() bool { return blockedIn("(*FakeRuntimeService).ListContainers") == 1 })
	s.RuntimeService.Unlock()
	for listed := false; !listed; {
		s.RuntimeService.Lock()
		listed = slices.Contains(s.RuntimeService.Called, "ListContainers") && slices.Contains(s.RuntimeService.Called, "ListPodSandbox")
		if !listed {
			s.RuntimeService.Unlock()
			goruntime.Gosched()
		}
	}
	if !waitUntil(func() bool { return blockedIn(frame) >= cmdutil.MaxInFlight }) {
		n := blockedIn(frame)
		s.RuntimeService.Unlock()
		t.Fatalf("only %d status calls in flight, want %d at once", n, cmdutil.MaxInFlight)
	}
	// Give extra calls the chance to arrive if the bound were not kept.
	time.Sleep(100 * time.Millisecond)
	n := blockedIn(frame)
	s.RuntimeService.Unlock()
	if n > cmdutil.MaxInFlight {
		t.Errorf("%d status calls in flight, want at most %d", n, cmdutil.MaxInFlight)
	}
	r := <-resc
	if r.code != 0 || statusIDs(t, r.stdout) != strings.Join(ctrs, "\n")+"\n" {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// statusIDs lists the status.id of an inspect array, one a line.
func statusIDs(t *testing.T, out string) string {
	t.Helper()
	var items []struct {
		Status struct {
			ID string `json:"id"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("inspect output is not an array: %v\n%s", err, out)
	}
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Status.ID + "\n")
	}
	return b.String()
}

// blockedIn counts goroutines whose stack passes through frame.
func blockedIn(frame string) int {
	buf := make([]byte, 1<<22)
	buf = buf[:goruntime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, frame) {
			n++
		}
	}
	return n
}

// waitUntil polls cond for up to five seconds.
func waitUntil(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	if !waitUntil(cond) {
		t.Fatal("timed out waiting for the fake runtime")
	}
}
