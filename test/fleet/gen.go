// Package fleet generates realistic ctrcri.diagnose/v1 reports for merge
// tests and benchmarks. Each problem scenario is a real diagnose run against
// the in-process fake CRI server (plus the fake containerd beside it); the
// N nodes are copies of those runs with their own names, times, IDs and
// versions, so the merge sees what a fleet's DaemonSet would print.
package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// Scenario names, in the order of Scenarios.
const (
	Healthy      = "healthy"
	CrashLoop    = "crashloop"
	OOMKilled    = "oomkilled"
	NoNetwork    = "no-network"
	NoPause      = "no-pause-image"
	Orphan       = "orphan"
	NotReadyPod  = "pod-not-ready"
	MissingLog   = "missing-log"
	RuntimeNotOK = "runtime-not-ready"
)

// weights: most nodes are healthy, failures are a long tail.
var weights = []struct {
	name string
	w    int
}{
	{Healthy, 820}, {CrashLoop, 50}, {OOMKilled, 30}, {NoNetwork, 20}, {NoPause, 25},
	{Orphan, 20}, {NotReadyPod, 20}, {MissingLog, 10}, {RuntimeNotOK, 5},
}

// Scenarios lists every scenario name.
func Scenarios() []string {
	var s []string
	for _, w := range weights {
		s = append(s, w.name)
	}
	return s
}

// Options shape Generate.
type Options struct {
	N    int
	Seed uint64
	Now  time.Time
	// Only, when set, gives every node this scenario.
	Only string
}

// Templates runs diagnose once per scenario against a fake node and
// returns the reports by scenario name.
func Templates() (map[string]*diagnose.Report, error) {
	out := map[string]*diagnose.Report{}
	for _, w := range weights {
		r, err := runScenario(w.name)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", w.name, err)
		}
		out[w.name] = r
	}
	return out, nil
}

// Generate writes N reports as NDJSON (what `kubectl logs --prefix` shows
// without the prefix) and returns the scenario of each node, by name.
func Generate(w io.Writer, o Options) (map[string]string, error) {
	tpl, err := Templates()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	total := 0
	for _, x := range weights {
		total += x.w
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	got := make(map[string]string, o.N)
	for i := range o.N {
		sc := o.Only
		if sc == "" {
			k := rng.IntN(total)
			for _, x := range weights {
				if k < x.w {
					sc = x.name
					break
				}
				k -= x.w
			}
		}
		base, ok := tpl[sc]
		if !ok {
			return nil, fmt.Errorf("unknown scenario %q", sc)
		}
		r := vary(base, i, rng, o.Now)
		got[r.Node.Name] = sc
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// vary copies a template into node i: its name, a report time within the
// last ten minutes, fresh object IDs, and a minority on older versions.
func vary(base *diagnose.Report, i int, rng *rand.Rand, now time.Time) *diagnose.Report {
	var r diagnose.Report
	b, _ := json.Marshal(base)
	// Object IDs differ per node; the message patterns do not.
	s := string(b)
	for _, id := range idsIn(base) {
		s = strings.ReplaceAll(s, id, newID(rng))
	}
	_ = json.Unmarshal([]byte(s), &r) // what json.Marshal wrote, IDs swapped for IDs
	r.Node = diagnose.Node{Name: fmt.Sprintf("node-%05d", i), NameFrom: diagnose.NodeNameFromEnv, Kernel: "6.8.0-1021-aws", OS: "Ubuntu 24.04.2 LTS", Arch: "x86_64"}
	r.Endpoint = "unix:///run/containerd/containerd.sock"
	r.Time = now.Add(-time.Duration(rng.IntN(600)) * time.Second).UTC()
	r.DurationMs = int64(20 + rng.IntN(200))
	// The fake runtime names itself; a fleet runs containerd.
	r.Versions.Client, r.Versions.RuntimeName, r.Versions.RuntimeVersion, r.Versions.CRIAPIVersion = "v0.1.0", "containerd", "v2.4.2", "v1"
	r.Versions.Shim, r.Versions.Runc = "v2.4.2", "1.4.3"
	if !slices.ContainsFunc(r.Conditions, func(c diagnose.Condition) bool { return c.Type == "NetworkReady" && !c.Status }) {
		r.Versions.CNI = "1.0.0"
	}
	switch k := rng.IntN(100); {
	case k < 6:
		r.Versions.Containerd, r.Versions.RuntimeVersion = "v2.1.4", "v2.1.4"
	case k < 8:
		r.Versions.Runc = "1.3.0"
		r.Node.Kernel = "6.1.0-31-cloud-amd64"
		r.Node.OS = "Debian GNU/Linux 12 (bookworm)"
	}
	return &r
}

func idsIn(r *diagnose.Report) []string {
	var ids []string
	for _, p := range r.Pods.NotReady {
		ids = append(ids, p.ID)
	}
	for _, c := range r.Containers.Problems {
		ids = append(ids, c.ID, c.PodID)
	}
	for _, o := range r.Orphans {
		ids = append(ids, o.ID)
	}
	for _, m := range r.MissingLogs {
		ids = append(ids, m.ID)
	}
	return ids
}

func newID(rng *rand.Rand) string {
	var b [32]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return hex.EncodeToString(b[:])
}

func fixedID(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// runScenario is one real diagnose run on a fake node with the scenario's
// fault injected.
func runScenario(name string) (*diagnose.Report, error) {
	s, err := runtimetest.Start()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	logs, err := os.MkdirTemp("", "ctrcri-gen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(logs)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ns := func(d time.Duration) int64 { return now.Add(-d).UnixNano() }

	ready := []*runtimeapi.RuntimeCondition{{Type: runtimeapi.RuntimeReady, Status: true}, {Type: runtimeapi.NetworkReady, Status: true}}
	s.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: ready}
	s.ImageService.FakeFilesystemUsage = []*runtimeapi.FilesystemUsage{{
		FsId:      &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"},
		UsedBytes: &runtimeapi.UInt64Value{Value: 7_300_000_000}, InodesUsed: &runtimeapi.UInt64Value{Value: 181_000},
	}}
	s.SetImages(&runtimeapi.Image{Id: "sha256:" + fixedID("pause"), RepoTags: []string{"registry.k8s.io/pause:3.10"}, Pinned: true})
	pods := []runtimetest.Pod{
		{ID: fixedID("pod-dns"), Name: "coredns-7db6d8ff4d-x2x7k", Namespace: "kube-system", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ns(72 * time.Hour)},
		{ID: fixedID("pod-proxy"), Name: "kube-proxy-5kq8v", Namespace: "kube-system", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ns(72 * time.Hour)},
		{ID: fixedID("pod-web"), Name: "web-6f7c9b5d8-qwz4m", Namespace: "shop", State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: ns(5 * time.Hour)},
	}
	var logErr error
	log := func(name, text string) string {
		p := filepath.Join(logs, name+".log")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			logErr = err
		}
		return p
	}
	line := "2026-11-01T11:59:00Z stdout F "
	cts := []runtimetest.Container{
		{ID: fixedID("ctr-dns"), Name: "coredns", PodID: pods[0].ID, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ns(72 * time.Hour), LogPath: log("coredns", line+"[INFO] plugin/reload: Running configuration\n")},
		{ID: fixedID("ctr-proxy"), Name: "kube-proxy", PodID: pods[1].ID, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ns(72 * time.Hour), LogPath: log("kube-proxy", line+"Caches are synced\n")},
		{ID: fixedID("ctr-web"), Name: "nginx", PodID: pods[2].ID, State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: ns(5 * time.Hour), LogPath: log("nginx", line+"start worker processes\n")},
	}
	switch name {
	case Healthy:
	case CrashLoop:
		cts = append(cts,
			runtimetest.Container{ID: fixedID("ctr-api-1"), Name: "api", PodID: pods[2].ID, State: runtimeapi.ContainerState_CONTAINER_EXITED, Attempt: 6, CreatedAt: ns(3 * time.Minute),
				ExitCode: 1, Reason: "Error", LogPath: log("api-6", line+"panic: dial tcp 10.96.0.12:5432: connect: connection refused\n")},
			runtimetest.Container{ID: fixedID("ctr-api-0"), Name: "api", PodID: pods[2].ID, State: runtimeapi.ContainerState_CONTAINER_EXITED, Attempt: 5, CreatedAt: ns(8 * time.Minute),
				ExitCode: 1, Reason: "Error", LogPath: log("api-5", line+"panic: dial tcp 10.96.0.12:5432: connect: connection refused\n")})
	case OOMKilled:
		cts = append(cts, runtimetest.Container{ID: fixedID("ctr-batch"), Name: "report-builder", PodID: pods[2].ID, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: ns(20 * time.Minute),
			ExitCode: 137, Reason: "OOMKilled", LogPath: log("batch", line+"building report for 2026-10\n")})
	case NoNetwork:
		s.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{ready[0],
			{Type: runtimeapi.NetworkReady, Status: false, Reason: "NetworkPluginNotReady", Message: "Network plugin returns error: cni plugin not initialized"}}}
	case NoPause:
		s.SetImages()
	case Orphan:
		// handled after the mirror below
	case NotReadyPod:
		pods = append(pods, runtimetest.Pod{ID: fixedID("pod-db"), Name: "postgres-0", Namespace: "data", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY, CreatedAt: ns(2 * time.Hour)})
	case MissingLog:
		cts[2].LogPath = filepath.Join(logs, "gone", "nginx.log")
	case RuntimeNotOK:
		s.RuntimeService.FakeStatus = &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
			{Type: runtimeapi.RuntimeReady, Status: false, Reason: "ContainerdNotReady", Message: "containerd is not ready"}, ready[1]}}
	default:
		return nil, fmt.Errorf("unknown scenario")
	}
	if logErr != nil {
		return nil, logErr
	}
	s.SetPods(pods...)
	s.SetContainers(cts...)
	cd := ctrdtest.Mirror(s)
	cd.Info = ctrd.RuntimeInfo{ShimVersion: "v2.4.2", OCIVersion: "1.4.3"}
	if name == Orphan {
		cd.Records = append(cd.Records, ctrd.Container{ID: "debug-" + fixedID("orphan")[:12], Image: "docker.io/library/busybox:latest"})
	}

	c, err := runtime.New(runtime.Options{RuntimeEndpoint: s.Endpoint, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return diagnose.Run(context.Background(), c, cd, diagnose.Options{ClientVersion: "v0.1.0", Details: diagnose.DefaultDetails, Now: now})
}
