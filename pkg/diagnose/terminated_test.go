package diagnose_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// Real-cluster items 2 and 3: what kubelet leaves of a finished pod (a
// Job's, or any restartPolicy Never/OnFailure pod) is a NotReady sandbox
// whose containers all exited; it stays until the pod is deleted (a
// CronJob's history keeps the last failed ones for good). That is the
// pod's result, not the node's state: no problem, counted as terminated.
// Live pods (a Ready sandbox) are judged as ever.
// reportTime is diagnoseNode's Now.
var reportTime = time.Unix(1e9, 0)

func TestDiagnoseTerminatedPodsAreNotProblems(t *testing.T) {
	t.Parallel()
	const ready, notReady = runtimeapi.PodSandboxState_SANDBOX_READY, runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	const running, exited = runtimeapi.ContainerState_CONTAINER_RUNNING, runtimeapi.ContainerState_CONTAINER_EXITED
	for _, tc := range []struct {
		name       string
		pods       []runtimetest.Pod
		containers []runtimetest.Container
		want       []string
		terminated int
	}{{
		name:       "completed job pod",
		pods:       []runtimetest.Pod{{ID: "job-ok", Name: "now-0-abcde", Namespace: "ctr-cri-diagnose", State: notReady}},
		containers: []runtimetest.Container{{ID: "c-ok", Name: "diagnose", PodID: "job-ok", State: exited, Reason: "Completed"}},
		terminated: 1,
	}, {
		name:       "failed job pod, restartPolicy Never",
		pods:       []runtimetest.Pod{{ID: "job-bad", Name: "now-0-fghij", Namespace: "ctr-cri-diagnose", State: notReady}},
		containers: []runtimetest.Container{{ID: "c-bad", Name: "diagnose", PodID: "job-bad", State: exited, ExitCode: 1, Reason: "Error"}},
		terminated: 1,
	}, {
		name: "failed pod, restartPolicy OnFailure, after restarts",
		pods: []runtimetest.Pod{{ID: "job-of", Name: "batch-x", Namespace: "etl", State: notReady}},
		containers: []runtimetest.Container{
			{ID: "of-1", Name: "work", PodID: "job-of", Attempt: 1, State: exited, ExitCode: 2, Reason: "Error", CreatedAt: 1},
			{ID: "of-2", Name: "work", PodID: "job-of", Attempt: 2, State: exited, ExitCode: 2, Reason: "Error", CreatedAt: 2}},
		terminated: 1,
	}, {
		name: "crash loop in a live pod stays an error",
		pods: []runtimetest.Pod{{ID: "live", Name: "api", Namespace: "shop", State: ready}},
		containers: []runtimetest.Container{
			{ID: "cl-3", Name: "api", PodID: "live", Attempt: 3, State: exited, ExitCode: 1, Reason: "Error", CreatedAt: 3}},
		want: []string{"error container shop/api/api: exited with code 1 (Error)"},
	}, {
		name: "crash loop caught running between two crashes is an error",
		pods: []runtimetest.Pod{{ID: "live", Name: "api", Namespace: "shop", State: ready}},
		containers: []runtimetest.Container{
			{ID: "cl-2", Name: "api", PodID: "live", Attempt: 2, State: exited, ExitCode: 1, Reason: "Error", CreatedAt: 2, FinishedAt: reportTime.Add(-30 * time.Second).UnixNano()},
			{ID: "cl-3", Name: "api", PodID: "live", Attempt: 3, State: running, CreatedAt: 3}},
		want: []string{"error container shop/api/api: restarted 3 times, last exit code 1 (Error)"},
	}, {
		name: "OOM kill caught running again is an error",
		pods: []runtimetest.Pod{{ID: "live", Name: "report", Namespace: "shop", State: ready}},
		containers: []runtimetest.Container{
			{ID: "oom-0", Name: "builder", PodID: "live", State: exited, ExitCode: 137, Reason: "OOMKilled", CreatedAt: 1, FinishedAt: reportTime.Add(-time.Minute).UnixNano()},
			{ID: "oom-1", Name: "builder", PodID: "live", Attempt: 1, State: running, CreatedAt: 2}},
		want: []string{"error container shop/report/builder: restarted 1 times, last exit code 137 (OOMKilled)"},
	}, {
		name: "a restart an hour ago is history: a warning",
		pods: []runtimetest.Pod{{ID: "live", Name: "api", Namespace: "shop", State: ready}},
		containers: []runtimetest.Container{
			{ID: "old-0", Name: "api", PodID: "live", State: exited, ExitCode: 1, Reason: "Error", CreatedAt: 1, FinishedAt: reportTime.Add(-time.Hour).UnixNano()},
			{ID: "old-1", Name: "api", PodID: "live", Attempt: 1, State: running, CreatedAt: 2}},
		want: []string{"warning container shop/api/api: restarted 1 times, last exit code 1 (Error)"},
	}, {
		name: "OOM kill in a live pod stays an error",
		pods: []runtimetest.Pod{{ID: "live", Name: "report", Namespace: "shop", State: ready}},
		containers: []runtimetest.Container{
			{ID: "oom", Name: "builder", PodID: "live", State: exited, ExitCode: 137, Reason: "OOMKilled"}},
		want: []string{"error container shop/report/builder: exited with code 137 (OOMKilled)"},
	}, {
		name:       "a not-ready sandbox with a running container is still not ready",
		pods:       []runtimetest.Pod{{ID: "odd", Name: "web", Namespace: "shop", State: notReady}},
		containers: []runtimetest.Container{{ID: "r", Name: "web", PodID: "odd", State: running}},
		want:       []string{"warning pod shop/web: pod is not ready"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, logs := healthyNode(t)
			pods := append([]runtimetest.Pod{{ID: podReady, Name: "web", Namespace: "shop", State: ready}}, tc.pods...)
			s.SetPods(pods...)
			cs := []runtimetest.Container{{ID: ctrRun, Name: "nginx", PodID: podReady, State: running, LogPath: filepath.Join(logs, "nginx.log")}}
			for _, c := range tc.containers {
				c.LogPath = filepath.Join(logs, "nginx.log")
				cs = append(cs, c)
			}
			s.SetContainers(cs...)
			rep := diagnoseNode(t, s, ctrdtest.Mirror(s))
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.Severity+" "+p.Check+" "+p.Object+": "+p.Message)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
			if rep.Healthy != (len(tc.want) == 0 || tc.want[0][:5] != "error") || rep.Pods.Terminated != tc.terminated {
				t.Errorf("healthy %v, terminated %d (want %d)", rep.Healthy, rep.Pods.Terminated, tc.terminated)
			}
		})
	}
}
