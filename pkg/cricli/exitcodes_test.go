package cricli

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// F19: the runtime refusing an argument after RPCs were made is a failed
// operation (exit 1); exit 2 means refused before any RPC.
func TestRuntimeInvalidArgumentIsExit1(t *testing.T) {
	s := node(t)
	s.RuntimeService.InjectError("StopPodSandbox", status.Error(codes.InvalidArgument, "label value too long"))
	ctr(t, s.Endpoint, "cri", "stopp", podA).fails(t, ExitFailed, "label value too long")
}

// F14: the runtime's DeadlineExceeded for the --pull-timeout deadline is the
// pull timing out (exit 1), and any other DeadlineExceeded it answers with is
// a failed pull: never "no answer from the socket" (exit 3).
func TestPullTimeoutIsNotUnreachable(t *testing.T) {
	s := node(t)
	s.ImageService.InjectError("PullImage", status.Error(codes.DeadlineExceeded, "context deadline exceeded"))
	r := ctr(t, s.Endpoint, "cri", "pull", "--pull-timeout", "1s", "busybox").fails(t, ExitFailed, "not done within --pull-timeout 1s")
	if strings.Contains(r.stderr, "no answer from") {
		t.Errorf("pull timeout reported as unreachable: %q", r.stderr)
	}
	s.ImageService.InjectError("PullImage", status.Error(codes.DeadlineExceeded, "registry timed out"))
	ctr(t, s.Endpoint, "cri", "pull", "--pull-timeout", "1h", "busybox").fails(t, ExitFailed, "registry timed out")
	s.ImageService.InjectError("PullImage", status.Error(codes.DeadlineExceeded, "registry timed out"))
	ctr(t, s.Endpoint, "cri", "pull", "busybox").fails(t, ExitFailed, "registry timed out")
}

// F23: stats prints the targets it found, then fails for the others, as
// inspect does.
func TestStatsPrintsGoodTargetsThenFails(t *testing.T) {
	n := statsNode(t)
	r := ctr(t, n.Endpoint, "cri", "stats", "-o", "json", "postgres", "nosuch").fails(t, ExitFailed, `"nosuch": not found`)
	if !strings.Contains(r.stdout, ctrY) || strings.Contains(r.stdout, ctrW) {
		t.Errorf("stats -o json postgres nosuch printed %q, want postgres only", r.stdout)
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line", r.stderr)
	}
	if r := ctr(t, n.Endpoint, "cri", "stats", "nosuch"); r.code != cmdutil.ExitFailed || r.stdout != "" {
		t.Errorf("stats nosuch: exit %d stdout %q, want 1 and nothing printed", r.code, r.stdout)
	}
}

// F20: negative and empty values and conflicting flags are usage errors,
// refused before any RPC, not silently replaced by a default.
func TestNegativeEmptyAndConflictingValuesAreUsageErrors(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cri", "-t", "-1s", "ps"}, "invalid --timeout -1s"},
		{[]string{"cri", "images", "--filter", "before="}, `invalid filter "before=": before needs a value`},
		{[]string{"cri", "images", "--filter", "reference="}, "reference needs a value"},
		{[]string{"cri", "ps", "-l", "--last", "3"}, "--latest and --last cannot be combined"},
		{[]string{"cri", "pods", "-l", "-n", "2"}, "--latest and --last cannot be combined"},
	} {
		s.RuntimeCalls()
		s.ImageCalls()
		ctr(t, s.Endpoint, tc.args...).fails(t, ExitUsage, tc.want)
		if rc, ic := s.RuntimeCalls(), s.ImageCalls(); len(rc)+len(ic) > 0 {
			t.Errorf("%v made RPCs %v %v before refusing", tc.args, rc, ic)
		}
	}
	cfg := file(t, "crictl.yaml", "timeout: -5\n")
	ctr(t, s.Endpoint, "cri", "-c", cfg, "ps").fails(t, ExitUsage, "invalid timeout -5")
	ctr(t, s.Endpoint, "cri", "ps", "-q", "-o", "table").ok(t)
}

// F19: a container config naming an invalid image is refused before any
// RPC (exit 2), not by the runtime after the pod was made.
func TestInvalidImageInContainerConfigIsAUsageError(t *testing.T) {
	s := node(t)
	bad := file(t, "ctr.yaml", "metadata: {name: c}\nimage: {image: \"BAD REF!!\"}\n")
	pod := file(t, "pod.yaml", "metadata: {name: p, namespace: ns, uid: u}\n")
	for _, args := range [][]string{{"cri", "create", podA, bad, pod}, {"cri", "run", bad, pod}} {
		s.RuntimeCalls()
		ctr(t, s.Endpoint, args...).fails(t, ExitUsage, `image.image: invalid image reference "BAD REF!!"`)
		if calls := s.RuntimeCalls(); len(calls) > 0 {
			t.Errorf("%v made RPCs %v before refusing", args, calls)
		}
	}
}

// ctr --timeout ending an events stream on a runtime that never answers is
// a deadline (exit 3) that names ctr --timeout, not a bare "context deadline
// exceeded" failure (exit 1).
func TestEventsEndedByCtrTimeoutIsADeadline(t *testing.T) {
	ep := serve(t, func(*grpc.Server) {}, grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		<-stream.Context().Done()
		return stream.Context().Err()
	}))
	r := ctr(t, ep, "--timeout", "300ms", "cri", "events").fails(t, ExitUnreachable, "ctr --timeout 300ms expired before "+ep+" answered")
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line", r.stderr)
	}
}

// A node whose runtime fails both of ps's lists gives the same message on
// every run: the first list's error, not whichever answer came first.
// stats, which also asks two lists at once, likewise.
func TestListsReportTheSameFailureEveryTime(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		cmd          string
		first, other string
	}{
		{"ps", "ListContainers", "ListPodSandbox"},
		{"stats", "ListContainerStats", "ListContainers"},
	} {
		seen := map[string]int{}
		for range 40 {
			s.RuntimeService.InjectError(tc.first, status.Error(codes.Unavailable, "first is away"))
			s.RuntimeService.InjectError(tc.other, status.Error(codes.Unavailable, "other is away"))
			r := ctr(t, s.Endpoint, "cri", tc.cmd, "-a")
			seen[r.stderr]++
		}
		if len(seen) != 1 {
			t.Errorf("%s reported different failures for the same node: %v", tc.cmd, seen)
			continue
		}
		for msg := range seen {
			if !strings.Contains(msg, "first is away") {
				t.Errorf("%s reported %q, want the %s error", tc.cmd, msg, tc.first)
			}
		}
	}
}
