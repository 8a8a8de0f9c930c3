package cricli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// These tests pin the documents and lines crictl scripts read, as the real
// crictl v1.37 prints them (checked side by side on a dev node).

func decodeDoc(t *testing.T, out string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return v
}

func crictlTime(ns int64) string { return time.Unix(0, ns).Format(time.RFC3339Nano) }

func TestInspectStatusTimesAreRFC3339(t *testing.T) {
	s := node(t)
	x := s.RuntimeService.Containers[ctrX]
	x.StartedAt, x.FinishedAt = ago(79*time.Minute), ago(70*time.Minute)
	r := ctr(t, s.Endpoint, "cri", "inspect", "sidecar").ok(t)
	st := decodeDoc(t, r.stdout).(map[string]any)["status"].(map[string]any)
	for k, want := range map[string]string{"createdAt": crictlTime(ago(80 * time.Minute)), "startedAt": crictlTime(ago(79 * time.Minute)), "finishedAt": crictlTime(ago(70 * time.Minute))} {
		if st[k] != want {
			t.Errorf("exited container %s = %v, want %s", k, st[k], want)
		}
	}
	// A running container has not finished: Go's zero time, as crictl.
	r = ctr(t, s.Endpoint, "cri", "inspect", "-o", "go-template={{.status.finishedAt}}", "nginx").ok(t)
	if r.stdout != "0001-01-01T00:00:00Z\n" {
		t.Errorf("running container finishedAt = %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspectp", "-o", "go-template={{.status.createdAt}}", "shop/web").ok(t)
	if r.stdout != crictlTime(ago(2*time.Hour))+"\n" {
		t.Errorf("pod createdAt = %q", r.stdout)
	}
	// Times in YAML too: the same document.
	r = ctr(t, s.Endpoint, "cri", "inspect", "-o", "yaml", "sidecar").ok(t)
	if !strings.Contains(r.stdout, "finishedAt: \""+crictlTime(ago(70*time.Minute))) {
		t.Errorf("yaml:\n%s", r.stdout)
	}
}

func TestInspectWithoutIDsSelectsRunningUnlessAll(t *testing.T) {
	s := node(t)
	// --pod web holds running nginx and exited sidecar: crictl selects the
	// running one only, and one result is an object.
	r := ctr(t, s.Endpoint, "cri", "inspect", "--pod", podA[:8]).ok(t)
	one, ok := decodeDoc(t, r.stdout).(map[string]any)
	if !ok || one["status"].(map[string]any)["id"] != ctrW {
		t.Fatalf("inspect --pod: want the running container as an object, got\n%s", r.stdout)
	}
	for _, all := range []string{"-a", "--all"} {
		r = ctr(t, s.Endpoint, "cri", "inspect", all, "--pod", podA[:8]).ok(t)
		many, ok := decodeDoc(t, r.stdout).([]any)
		if !ok || len(many) != 2 {
			t.Errorf("inspect %s --pod: want an array of 2, got\n%s", all, r.stdout)
		}
	}
}

func TestStateShortAlias(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ps", "-a", "-s", "exited", "-q"}, ctrX + "\n"},
		{[]string{"pods", "-s", "notready", "-q"}, podB + "\n"},
		{[]string{"inspect", "-s", "exited", "-o", "go-template={{.status.id}}"}, ctrX + "\n"},
		{[]string{"inspectp", "-s", "notready", "-o", "go-template={{.status.id}}"}, podB + "\n"},
	} {
		if r := ctr(t, s.Endpoint, append([]string{"cri"}, tc.args...)...).ok(t); r.stdout != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args, r.stdout, tc.want)
		}
	}
	ctr(t, s.Endpoint, "cri", "ps", "-s", "sleeping").fails(t, 2, `invalid --state "sleeping"`)
}

func TestInspectQuietIsStatusWithoutInfo(t *testing.T) {
	s := node(t)
	for _, args := range [][]string{
		{"inspect", "-q", "nginx"},
		{"inspectp", "-q", "shop/web"},
		{"inspecti", "-q", "busybox"},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, args...)...).ok(t)
		doc, ok := decodeDoc(t, r.stdout).(map[string]any)
		if !ok || doc["status"] == nil || len(doc) != 1 {
			t.Errorf("%v: want {\"status\": …} only, got\n%s", args, r.stdout)
		}
	}
}

func TestGoTemplateMissingKeyFails(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "-o", "go-template={{.status.nope}}", "nginx").fails(t, 1, `map has no entry for key "nope"`)
	if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("want one stderr line and no stdout, got %q / %q", r.stdout, r.stderr)
	}
	ctr(t, s.Endpoint, "cri", "ps", "-o", "go-template={{range .containers}}{{.bogus}}{{end}}").fails(t, 1, "bogus")
	ctr(t, s.Endpoint, "cri", "info", "-o", "go-template", "--template", "{{.status.nothere}}").fails(t, 1, "nothere")
}

func TestInspectiListsFiltersAndNames(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspecti").ok(t)
	if all, ok := decodeDoc(t, r.stdout).([]any); !ok || len(all) != 2 {
		t.Errorf("inspecti with no IDs: want all 2 images, got\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspecti", "--name", "registry.k8s.io/pause", "-o", "go-template={{.status.id}}").ok(t)
	if r.stdout != imgP+"\n" {
		t.Errorf("inspecti --name: %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspecti", "-f", "reference=busybox", "-o", "go-template={{.status.id}}").ok(t)
	if r.stdout != imgB+"\n" {
		t.Errorf("inspecti -f reference=busybox: %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "inspecti", "--name", "nomatch")
	if r.code != 0 || r.stdout != "" || r.stderr != "ctr: No IDs provided or nothing found per filter\n" {
		t.Errorf("empty selection: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestInfoQuiet(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "info", "-q").ok(t)
	if _, ok := decodeDoc(t, r.stdout).(map[string]any)["status"]; !ok {
		t.Errorf("info -q: %s", r.stdout)
	}
}

func TestRuntimeConfigPrintsCrictlLine(t *testing.T) {
	s := node(t)
	s.RuntimeService.FakeLinuxConfiguration = &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: runtimeapi.CgroupDriver_CGROUPFS}
	if r := ctr(t, s.Endpoint, "cri", "runtime-config").ok(t); r.stdout != "cgroup driver:   CGROUPFS\n" {
		t.Errorf("runtime-config: %q", r.stdout)
	}
	// -o json stays available (ours).
	r := ctr(t, s.Endpoint, "cri", "runtime-config", "-o", "json").ok(t)
	if !strings.Contains(r.stdout, `"cgroupDriver": "CGROUPFS"`) {
		t.Errorf("runtime-config -o json: %s", r.stdout)
	}
}

func TestImageFsInfoIsCrictlDocument(t *testing.T) {
	s := node(t)
	s.ImageService.FakeFilesystemUsage = []*runtimeapi.FilesystemUsage{{
		Timestamp: 1700000000000000000, FsId: &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/snap"},
		UsedBytes: &runtimeapi.UInt64Value{Value: 2_870_000}, InodesUsed: &runtimeapi.UInt64Value{Value: 313},
	}}
	for _, args := range [][]string{{"imagefsinfo"}, {"imagefsinfo", "-o", "json"}} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, args...)...).ok(t)
		doc := decodeDoc(t, r.stdout).(map[string]any)
		st, ok := doc["status"].(map[string]any)
		if !ok || len(doc) != 1 || st["imageFilesystems"] == nil {
			t.Errorf("%v: want {\"status\": {…imageFilesystems…}}, got\n%s", args, r.stdout)
		}
	}
	r := ctr(t, s.Endpoint, "cri", "imagefsinfo", "-o", "go-template={{range .status.imageFilesystems}}{{.fsId.mountpoint}}{{end}}").ok(t)
	if r.stdout != "/var/lib/containerd/snap\n" {
		t.Errorf("template: %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "imagefsinfo", "-o", "table").ok(t)
	want := "Container Filesystem \nImage Filesystem \nTimeStamp[0]: 1700000000000000000\nDisk[0]: 2.87MB\nInodes[0]: 313\nMountpoint[0]: /var/lib/containerd/snap\n"
	if r.stdout != want {
		t.Errorf("imagefsinfo -o table:\n%s\nwant:\n%s", r.stdout, want)
	}
}

func TestInspectTableIsCrictlText(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "inspect", "-o", "table", "sidecar").ok(t)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, want := range []string{"ID: " + ctrX, "Name: sidecar", "Attempt: 2", "State: CONTAINER_EXITED", "Created: About an hour ago", "Exit Code: 0"} {
		if !slices.Contains(lines, want) {
			t.Errorf("inspect -o table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = ctr(t, s.Endpoint, "cri", "inspectp", "-o", "table", "shop/web").ok(t)
	if !strings.Contains(r.stdout, "Status: SANDBOX_READY\n") || !strings.Contains(r.stdout, "Attempt: 0\n") {
		t.Errorf("inspectp -o table:\n%s", r.stdout)
	}
}

func TestNothingToRemoveMessages(t *testing.T) {
	s := runtimetest.New(t)
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"rm", "-a"}, "", "No containers to remove\n"},
		{[]string{"rmp", "-a"}, "", "No pods to remove\n"},
		{[]string{"rmi", "-a"}, "", "No images to remove\n"},
		{[]string{"rmi", "--prune"}, "", "No images to remove\n"},
		{[]string{"stop", "-a"}, "No running containers found.\n", ""},
	} {
		r := ctr(t, s.Endpoint, append([]string{"cri"}, tc.args...)...)
		if r.code != 0 || r.stdout != tc.stdout || r.stderr != tc.stderr {
			t.Errorf("%v: exit %d stdout %q stderr %q; want 0, %q, %q", tc.args, r.code, r.stdout, r.stderr, tc.stdout, tc.stderr)
		}
	}
}

func TestRmiAllWithPrunePrunes(t *testing.T) {
	s := node(t)
	unused := "sha256:" + strings.Repeat("9", 64)
	s.SetImages(
		&runtimeapi.Image{Id: imgB, RepoTags: []string{"docker.io/library/busybox:latest"}},
		&runtimeapi.Image{Id: imgP, RepoTags: []string{"registry.k8s.io/pause:3.10"}},
		&runtimeapi.Image{Id: unused, RepoDigests: []string{"docker.io/library/old@sha256:" + strings.Repeat("7", 64)}},
	)
	// -a with --prune (-aq) prunes, as crictl; an image pulled by digest
	// only is named by its digest.
	r := ctr(t, s.Endpoint, "cri", "rmi", "-a", "--prune").ok(t)
	if r.stdout != "Deleted: docker.io/library/old@sha256:"+strings.Repeat("7", 64)+"\n" {
		t.Errorf("rmi -a --prune printed %q", r.stdout)
	}
}

func TestQuietYieldsToDocumentFormats(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "pods", "-q", "-o", "json", "--id", podA).ok(t)
	if !strings.HasPrefix(r.stdout, "{\n  \"items\": [") {
		t.Errorf("pods -q -o json: want the document, got %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-q", "-o", "yaml").ok(t)
	if !strings.HasPrefix(r.stdout, "containers:\n") || !strings.Contains(r.stdout, "tier: front") {
		t.Errorf("ps -q -o yaml: want the document, got %q", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "images", "-q", "-o", "json").ok(t)
	if !strings.HasPrefix(r.stdout, "{\n  \"images\": [") {
		t.Errorf("images -q -o json: want the document, got %q", r.stdout)
	}
	if r := ctr(t, s.Endpoint, "cri", "ps", "-q", "-o", "table").ok(t); r.stdout != ctrY+"\n"+ctrW+"\n" {
		t.Errorf("ps -q -o table: %q", r.stdout)
	}
}

func TestVerboseListsAreCrictlText(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "pods", "-v", "--id", podA).ok(t)
	want := "ID: " + podA + "\nName: web\nUID: uid-" + podA + "\nNamespace: shop\nStatus: Ready\nCreated: " +
		time.Unix(0, ago(2*time.Hour)).String() + "\nLabels:\n\tapp -> web\nRuntime: (default)\n\n"
	if r.stdout != want {
		t.Errorf("pods -v:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = ctr(t, s.Endpoint, "cri", "ps", "-v", "--id", ctrW).ok(t)
	if strings.Contains(r.stdout, "\nPod:") || !strings.HasPrefix(r.stdout, "ID: "+ctrW+"\nPodID: "+podA+"\nNamespace: shop\nName: nginx\nAttempt: 0\nState: Running\n") {
		t.Errorf("ps -v:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "images", "-v", "busybox").ok(t)
	if strings.Contains(r.stdout, "Pinned") {
		t.Errorf("images -v shows Pinned for an unpinned image:\n%s", r.stdout)
	}
	r = ctr(t, s.Endpoint, "cri", "images", "-v", "registry.k8s.io/pause").ok(t)
	if !strings.Contains(r.stdout, "Pinned: true\n") {
		t.Errorf("images -v of a pinned image:\n%s", r.stdout)
	}
}

func TestLastNegativeIsUnlimited(t *testing.T) {
	s := node(t)
	// crictl: --last 0 or less lists everything the other filters select
	// (running only for ps without -a).
	if r := ctr(t, s.Endpoint, "cri", "ps", "-q", "--last", "-1").ok(t); r.stdout != ctrY+"\n"+ctrW+"\n" {
		t.Errorf("ps --last -1: %q", r.stdout)
	}
	if r := ctr(t, s.Endpoint, "cri", "pods", "-q", "-n", "-1").ok(t); r.stdout != podB+"\n"+podA+"\n" {
		t.Errorf("pods -n -1: %q", r.stdout)
	}
}

func TestUpdateZeroesAndNoFlagsAsCrictl(t *testing.T) {
	s := node(t)
	// crictl sends 0 ("unchanged") and an update without resource flags,
	// and prints the ID; --cpu-count and --cpu-maximum exist (Windows only).
	for _, args := range [][]string{
		{"--cpu-quota", "0"}, {"--memory", "0"}, {"--cpu-share", "0"}, {"--cpu-period", "0"}, nil,
		{"--cpu-count", "2", "--cpu-maximum", "5000"},
	} {
		r := ctr(t, s.Endpoint, append(append([]string{"cri", "update"}, args...), "nginx")...)
		if r.code != 0 || r.stdout != ctrW+"\n" {
			t.Errorf("update %v: exit %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestRunPullsByDefaultAsCrictl(t *testing.T) {
	s := node(t)
	// The image is present: crictl's run still pulls it (a moved tag is
	// refreshed); --pull missing is ours and skips the pull.
	ctrCfg := file(t, "c.yaml", ctrConfigYAML)
	ctr(t, s.Endpoint, "cri", "run", ctrCfg, file(t, "p.yaml", podConfigYAML)).ok(t)
	if img := s.ImageCalls(); !slices.Contains(img, "PullImage") {
		t.Errorf("run should pull by default: %v", img)
	}
	ctr(t, s.Endpoint, "cri", "run", "--pull", "missing", ctrCfg, file(t, "p2.yaml", strings.ReplaceAll(podConfigYAML, "box", "box2"))).ok(t)
	if img := s.ImageCalls(); slices.Contains(img, "PullImage") {
		t.Errorf("run --pull missing pulled a present image: %v", img)
	}
}

func TestStatsTableAsCrictl(t *testing.T) {
	n := newStreamNode(t)
	ts := testNow.UnixNano()
	stopped := cstat(ctrX, "sidecar", -1, 0, ts, 0)
	n.RuntimeService.SetFakeContainerStats([]*runtimeapi.ContainerStats{
		cstat(ctrW, "nginx", 1_000_000, 3e9, ts, 536_600),
		stopped,
	})
	r := ctr(t, n.Endpoint, "cri", "stats", "-a").ok(t)
	want := "CONTAINER       NAME      CPU %   MEM       DISK      INODES   SWAP\n" +
		ctrW[:13] + "   nginx     0.10    536.6kB   53.66kB   42       0B\n" +
		ctrX[:13] + "   sidecar   0.00    0B        0B        42       0B\n"
	if r.stdout != want {
		t.Errorf("stats -a:\n%s\nwant (crictl's columns, sizes and 0.00 for a stopped container):\n%s", r.stdout, want)
	}
	// The pod's name is ours: -o wide only.
	r = ctr(t, n.Endpoint, "cri", "stats", "-o", "wide", "nginx").ok(t)
	if !strings.HasSuffix(strings.Split(r.stdout, "\n")[0], "SWAP   POD") || !strings.Contains(r.stdout, "web") {
		t.Errorf("stats -o wide:\n%s", r.stdout)
	}
}

func TestCrictlStoppOfUnknownPodSaysStoppedSandbox(t *testing.T) {
	s := node(t)
	// E39: crictl prints its sentence for an ID it does not know, too.
	if r := crictl(t, "-r", s.Endpoint, "stopp", "deadbeef").ok(t); r.stdout != "Stopped sandbox deadbeef\n" {
		t.Errorf("crictl stopp deadbeef: %q", r.stdout)
	}
}

func TestCrictlEmptyInspectSelectionShowsHelp(t *testing.T) {
	s := node(t)
	// C13/E30: crictl's message on stderr, its help on stdout, exit 0; ctr
	// cri keeps stdout empty for scripts.
	r := crictl(t, "-r", s.Endpoint, "inspect", "--name", "nomatch")
	if r.code != 0 || r.stderr != "crictl: No IDs provided or nothing found per filter\n" || !strings.Contains(r.stdout, "crictl inspect") {
		t.Errorf("crictl inspect --name nomatch: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
