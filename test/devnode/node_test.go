package devnode

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/vishvananda/netlink"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// needNode skips a test that starts containerd when this machine cannot,
// or fails it when CTRCRI_E2E=required says it must.
func needNode(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root"
	} else if repo, err := RepoRoot(); err != nil {
		why = err.Error()
	} else if _, err := FindBuild(repo); err != nil {
		why = err.Error()
	}
	if why == "" {
		return
	}
	if Required() {
		t.Fatalf("cannot start a dev node: %s (%s=required)", why, EnvE2E)
	}
	t.Skip(why)
}

func startNode(t *testing.T) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Stop() })
	return n
}

// runSleeper runs a pod with a busybox `sleep` in it and returns the pod ID.
func runSleeper(t *testing.T, n *Node, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	podCfg := n.PodConfig(name, "test")
	podID, err := n.RunPod(ctx, podCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.RunContainer(ctx, podID, podCfg, ContainerConfig("sleep", BusyboxImage, "sleep", "3600")); err != nil {
		t.Fatal(err)
	}
	return podID
}

// assertGone checks that nothing of a stopped node is left on the machine.
func assertGone(t *testing.T, n *Node) {
	t.Helper()
	assertGoneBut(t, n, "")
}

// assertGoneBut is assertGone when a newer node may have reused the
// bridge of n.
func assertGoneBut(t *testing.T, n *Node, reusedBridge string) {
	t.Helper()
	if ps := nodeProcs(n.Dir, n.Socket, n.CgroupRoot); len(ps) > 0 {
		t.Errorf("processes left: %+v", ps)
	}
	for _, p := range allProcs() {
		for _, a := range p.args {
			if strings.Contains(a, n.Dir) && p.pid != os.Getpid() {
				t.Errorf("process %d still names %s: %v", p.pid, n.Dir, p.args)
			}
		}
	}
	ms, err := mounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.HasPrefix(m.point, n.Dir) {
			t.Errorf("still mounted: %s (%s)", m.point, m.fstype)
		}
	}
	if _, err := netlink.LinkByName(n.Bridge); err == nil && n.Bridge != reusedBridge {
		t.Errorf("bridge %s still exists", n.Bridge)
	}
	if _, err := os.Stat(n.Dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists (%v)", n.Dir, err)
	}
	cg := filepath.Join("/sys/fs/cgroup/memory", n.CgroupRoot)
	if _, err := os.Stat(cg); !os.IsNotExist(err) {
		t.Errorf("cgroup %s still exists", cg)
	}
}

func TestNodeLifecycle(t *testing.T) {
	needNode(t)
	n := startNode(t)

	if len(n.Bridge) > 15 {
		t.Errorf("bridge name %q is longer than IFNAMSIZ-1", n.Bridge)
	}
	env, err := os.ReadFile(filepath.Join(n.Dir, envFile))
	if err != nil || string(env) != "export CONTAINERD_ADDRESS="+n.Socket+"\n" {
		t.Errorf("env file = %q, %v", env, err)
	}
	ic, _ := n.ImageClient()
	imgs, err := ic.ListImages(context.Background(), &runtimeapi.ListImagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, im := range imgs.Images {
		tags = append(tags, im.RepoTags...)
	}
	for _, want := range []string{PauseImage, BusyboxImage} {
		if !strings.Contains(strings.Join(tags, " "), want) {
			t.Errorf("CRI does not list %s: %v", want, tags)
		}
	}

	runSleeper(t, n, "lifecycle")
	// A second handle, as `devnode down` in another process would have.
	other, err := Attach(n.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := n.Stop(); err != nil { // the starter's handle: a second stop
		t.Errorf("second stop: %v", err)
	}
	assertGone(t, n)
	if err := Teardown(n.Dir); err != nil {
		t.Errorf("teardown of a removed node: %v", err)
	}
}

// Two nodes started at once get their own socket, bridge and subnet, and
// both run pods.
func TestConcurrentNodes(t *testing.T) {
	needNode(t)
	var (
		wg    sync.WaitGroup
		nodes [2]*Node
		errs  [2]error
	)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			nodes[i], errs[i] = Start(ctx, Options{})
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(func() { _ = n.Stop() })
	}
	a, b := nodes[0], nodes[1]
	if a.Socket == b.Socket || a.Bridge == b.Bridge || a.Subnet == b.Subnet || a.Slot == b.Slot {
		t.Fatalf("nodes collide: %+v and %+v", a, b)
	}
	for _, n := range nodes {
		runSleeper(t, n, "twin")
	}
	for _, n := range nodes {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
		assertGone(t, n)
	}
}

// A node whose owner died is reaped by the next Start.
func TestOrphanIsReaped(t *testing.T) {
	needNode(t)
	n := startNode(t)
	n.Owner = 1 << 30 // no such PID
	if err := n.save(); err != nil {
		t.Fatal(err)
	}
	n.cmd = nil          // as if started by another process
	next := startNode(t) // reaps first, so it may take the orphan's slot
	assertGoneBut(t, n, next.Bridge)
}

func TestTeardownRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Teardown(dir); err == nil {
		t.Error("Teardown of a foreign dir succeeded")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("foreign file gone: %v", err)
	}
	if err := Teardown(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("Teardown of a missing dir: %v", err)
	}
}

func TestConfigRendering(t *testing.T) {
	n := &Node{Dir: "/tmp/ctrcri-1", Socket: "/tmp/ctrcri-1/containerd.sock", Slot: 3}
	n.Bridge, n.Network, n.Subnet = slotNames(n.Slot)
	b := Build{BinDir: "/repo/_build/bin", ContainerdDir: "/repo/_build/bin", CNIDir: "/repo/_build/cni"}
	var cfg map[string]any
	if err := toml.Unmarshal([]byte(n.containerdConfig(b)), &cfg); err != nil {
		t.Fatalf("config is not TOML: %v\n%s", err, n.containerdConfig(b))
	}
	get := func(path ...string) any {
		var v any = cfg
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		}
		return v
	}
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"version"}, int64(3)},
		{[]string{"root"}, "/tmp/ctrcri-1/root"},
		{[]string{"state"}, "/tmp/ctrcri-1/state"},
		{[]string{"grpc", "address"}, n.Socket},
		{[]string{"plugins", "io.containerd.cri.v1.images", "snapshotter"}, "overlayfs"},
		{[]string{"plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox"}, PauseImage},
		{[]string{"plugins", "io.containerd.cri.v1.runtime", "restrict_oom_score_adj"}, true},
		{[]string{"plugins", "io.containerd.cri.v1.runtime", "netns_mounts_under_state_dir"}, true},
		{[]string{"plugins", "io.containerd.cri.v1.runtime", "cni", "conf_dir"}, "/tmp/ctrcri-1/cni"},
		{[]string{"plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options", "BinaryName"}, "/repo/_build/bin/runc"},
		{[]string{"plugins", "io.containerd.grpc.v1.cri", "stream_server_address"}, "127.0.0.1"},
		{[]string{"plugins", "io.containerd.internal.v1.opt", "path"}, "/tmp/ctrcri-1/opt"},
		{[]string{"plugins", "io.containerd.nri.v1.nri", "disable"}, true},
	} {
		if got := get(c.path...); got != c.want {
			t.Errorf("%s = %#v, want %#v", strings.Join(c.path, "."), got, c.want)
		}
	}
	if bins := get("plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dirs"); len(bins.([]any)) != 1 || bins.([]any)[0] != "/repo/_build/cni" {
		t.Errorf("cni bin_dirs = %v", bins)
	}
	if !strings.Contains(n.cniConfig(), `"bridge": "ctrcri3"`) || !strings.Contains(n.cniConfig(), `"subnet": "10.209.3.0/24"`) {
		t.Errorf("CNI config:\n%s", n.cniConfig())
	}
}

func TestSlotNamesFitIFNAMSIZ(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < maxSlots; i++ {
		br, _, subnet := slotNames(i)
		if len(br) > 15 {
			t.Errorf("slot %d: bridge %q too long", i, br)
		}
		if seen[subnet] {
			t.Errorf("slot %d: subnet %s reused", i, subnet)
		}
		seen[subnet] = true
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		`/plain`:         "/plain",
		`/with\040space`: "/with space",
		`/tab\011x`:      "/tab\tx",
		`/back\134slash`: `/back\slash`,
		`/trailing\04`:   `/trailing\04`,
		`/not\999octal`:  `/not\999octal`,
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfigDialects: each containerd release gets the config format it
// reads (shared/findings/round-3.md §2): version 2 with one CRI section on
// 1.7, cni.bin_dir as a string on 2.0, bin_dirs from 2.2.
func TestConfigDialects(t *testing.T) {
	b := Build{BinDir: "/repo/_build/bin", ContainerdDir: "/cache/c", CNIDir: "/repo/_build/cni"}
	for _, c := range []struct {
		version string
		want    map[string]any
	}{
		{"v1.7.35", map[string]any{
			"version": int64(2),
			"plugins.io.containerd.grpc.v1.cri.sandbox_image":                               PauseImage,
			"plugins.io.containerd.grpc.v1.cri.restrict_oom_score_adj":                      true,
			"plugins.io.containerd.grpc.v1.cri.containerd.snapshotter":                      "overlayfs",
			"plugins.io.containerd.grpc.v1.cri.containerd.runtimes.runc.options.BinaryName": "/repo/_build/bin/runc",
			"plugins.io.containerd.grpc.v1.cri.cni.bin_dir":                                 "/repo/_build/cni",
			"plugins.io.containerd.grpc.v1.cri.registry.config_path":                        "/tmp/ctrcri-1/certs.d",
			"plugins.io.containerd.nri.v1.nri.disable":                                      true,
			"plugins.io.containerd.cri.v1.runtime":                                          nil,
		}},
		{"v2.0.14", map[string]any{
			"version": int64(3),
			"plugins.io.containerd.cri.v1.runtime.cni.bin_dir":  "/repo/_build/cni",
			"plugins.io.containerd.cri.v1.runtime.cni.bin_dirs": nil,
			"plugins.io.containerd.nri.v1.nri.disable":          true,
		}},
		{"v2.2.10", map[string]any{
			"version": int64(3),
			"plugins.io.containerd.cri.v1.runtime.cni.bin_dir":          nil,
			"plugins.io.containerd.cri.v1.images.pinned_images.sandbox": PauseImage,
		}},
	} {
		n := &Node{Dir: "/tmp/ctrcri-1", Socket: "/tmp/ctrcri-1/containerd.sock", Containerd: c.version}
		var cfg map[string]any
		if err := toml.Unmarshal([]byte(n.containerdConfig(b)), &cfg); err != nil {
			t.Fatalf("%s: config is not TOML: %v\n%s", c.version, err, n.containerdConfig(b))
		}
		for key, want := range c.want {
			if got := lookup(cfg, key); got != want {
				t.Errorf("%s: %s = %#v, want %#v", c.version, key, got, want)
			}
		}
	}
}

// lookup finds a dotted key in a decoded TOML document; the plugin names
// (io.containerd.…) are matched as the longest key present at each level.
func lookup(doc map[string]any, key string) any {
	var v any = doc
	for key != "" {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		found := false
		for i := len(key); i > 0; i-- {
			if i < len(key) && key[i] != '.' {
				continue
			}
			if next, ok := m[key[:i]]; ok {
				v, key, found = next, strings.TrimPrefix(key[i:], "."), true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return v
}
