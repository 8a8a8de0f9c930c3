package devnode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ctrcri/ctrcri/test/images"
)

// maxDirLen keeps every socket under the node dir legal: containerd refuses
// a shim socket_dir longer than 42 bytes, and ours is <dir>/s.
const maxDirLen = 40

// Paths inside a node directory.
const (
	configFile = "config.toml"
	socketFile = "containerd.sock"
	logFile    = "containerd.log"
	stateFile  = "node.json"
	envFile    = "env"
)

// quote renders s as a TOML basic string (JSON string escapes are valid TOML).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// containerdConfig renders the node's containerd config in the dialect of
// the release it runs (see dialectOf). Every path containerd or a plugin
// writes lives under n.Dir, so nodes never meet each other or a system
// containerd.
func (n *Node) containerdConfig(b Build) string {
	if dialectOf(n.Containerd) == dialectV2 {
		return n.configV2(b)
	}
	return n.configV3(b)
}

// Config dialects: what each containerd release accepts.
const (
	// dialectV2: containerd 1.7 reads config version 2, where the whole CRI
	// plugin is "io.containerd.grpc.v1.cri" (sandbox_image, cni bin_dir).
	dialectV2 = iota
	// dialectV3BinDir: containerd 2.0 and 2.1 read version 3 but name one
	// CNI binary directory, cni.bin_dir, a string.
	dialectV3BinDir
	// dialectV3: 2.2 and later take cni.bin_dirs, a list.
	dialectV3
)

// dialectOf returns the config dialect of a containerd release (v1.7.35,
// 2.0.14, …); empty is the go.mod pin, the newest dialect.
func dialectOf(version string) int {
	major, minor, ok := majorMinor(version)
	switch {
	case !ok:
		return dialectV3
	case major < 2:
		return dialectV2
	case major == 2 && minor < 2:
		return dialectV3BinDir
	}
	return dialectV3
}

// majorMinor parses the first two numbers of vMAJOR.MINOR[.PATCH…].
func majorMinor(version string) (major, minor int, ok bool) {
	f := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(f) < 2 {
		return 0, 0, false
	}
	var err1, err2 error
	major, err1 = strconv.Atoi(f[0])
	minor, err2 = strconv.Atoi(f[1])
	return major, minor, err1 == nil && err2 == nil
}

// configTop renders what every dialect shares: paths, sockets, NRI off.
func (n *Node) configTop(w func(string, ...any), version int) {
	p := func(elem ...string) string { return quote(filepath.Join(append([]string{n.Dir}, elem...)...)) }
	w("version = %d", version)
	w("root = %s", p("root"))
	w("state = %s", p("state"))
	w("temp = %s", p("tmp"))
	// An explicit empty list: the default pulls in /etc/containerd/conf.d.
	w("imports = []")
	w("")
	w("[grpc]")
	w("  address = %s", quote(n.Socket))
	w("[ttrpc]")
	w("  address = %s", quote(n.Socket+".ttrpc"))
	w("[debug]")
	w("  address = %s", p("debug.sock"))
	w("  level = \"info\"")
	// [metrics] stays off: its address is TCP, and nothing here scrapes it.
	w("")
	w("[plugins.\"io.containerd.internal.v1.opt\"]")
	w("  path = %s", p("opt"))
	w("[plugins.\"io.containerd.nri.v1.nri\"]")
	// NRI's socket is a fixed host path: two nodes would fight over it.
	w("  disable = true")
	w("[plugins.\"io.containerd.transfer.v1.local\"]")
	w("  config_path = %s", p("certs.d"))
}

// configV3 is the format measured to work on 2.x (see
// shared/spec/devnode.md); containerd migrates it on load.
func (n *Node) configV3(b Build) string {
	p := func(elem ...string) string { return quote(filepath.Join(append([]string{n.Dir}, elem...)...)) }
	var c strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&c, format+"\n", args...) }

	n.configTop(w, 3)
	w("[plugins.\"io.containerd.shim.v1.manager\"]")
	// The default is /run/containerd/s, shared with a system containerd.
	// Releases before 2.3 ignore it and use that directory anyway.
	w("  socket_dir = %s", p("s"))
	w("[plugins.\"io.containerd.image-verifier.v1.bindir\"]")
	w("  bin_dir = %s", p("image-verifier"))
	w("")
	w("[plugins.\"io.containerd.grpc.v1.cri\"]")
	w("  stream_server_address = \"127.0.0.1\"")
	w("  stream_server_port = \"0\"") // a free port, picked at listen time
	w("")
	w("[plugins.\"io.containerd.cri.v1.images\"]")
	w("  snapshotter = \"overlayfs\"")
	w("[plugins.\"io.containerd.cri.v1.images\".pinned_images]")
	w("  sandbox = %s", quote(images.PauseRef))
	w("[plugins.\"io.containerd.cri.v1.images\".registry]")
	w("  config_path = %s", p("certs.d"))
	w("")
	w("[plugins.\"io.containerd.cri.v1.runtime\"]")
	n.criRuntime(w, b, "io.containerd.cri.v1.runtime")
	if dialectOf(n.Containerd) == dialectV3BinDir {
		w("  bin_dir = %s", quote(b.CNIDir))
	} else {
		w("  bin_dirs = [%s]", quote(b.CNIDir))
	}
	w("  conf_dir = %s", p("cni"))
	w("  max_conf_num = 1")
	return c.String()
}

// configV2 is containerd 1.7's format: one CRI plugin section holding the
// streaming server, images, runtimes and CNI.
func (n *Node) configV2(b Build) string {
	p := func(elem ...string) string { return quote(filepath.Join(append([]string{n.Dir}, elem...)...)) }
	var c strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&c, format+"\n", args...) }

	n.configTop(w, 2)
	w("")
	const cri = "io.containerd.grpc.v1.cri"
	w("[plugins.%s]", quote(cri))
	w("  stream_server_address = \"127.0.0.1\"")
	w("  stream_server_port = \"0\"")
	w("  sandbox_image = %s", quote(images.PauseRef))
	n.criRuntime(w, b, cri)
	w("  bin_dir = %s", quote(b.CNIDir))
	w("  conf_dir = %s", p("cni"))
	w("  max_conf_num = 1")
	w("[plugins.%s.registry]", quote(cri))
	w("  config_path = %s", p("certs.d"))
	return c.String()
}

// criRuntime renders the CRI runtime settings into the open section plugin
// (whose name differs by dialect), ending inside its cni table.
func (n *Node) criRuntime(w func(string, ...any), b Build, plugin string) {
	p := func(elem ...string) string { return quote(filepath.Join(append([]string{n.Dir}, elem...)...)) }
	// Required in this VM: without CAP_SYS_RESOURCE runc cannot lower
	// oom_score_adj and every container start fails.
	w("  restrict_oom_score_adj = true")
	w("  netns_mounts_under_state_dir = true")
	w("  cdi_spec_dirs = []")
	w("[plugins.%s.containerd]", quote(plugin))
	if dialectOf(n.Containerd) == dialectV2 {
		w("  snapshotter = \"overlayfs\"")
	}
	w("  default_runtime_name = \"runc\"")
	w("[plugins.%s.containerd.runtimes.runc]", quote(plugin))
	w("  runtime_type = \"io.containerd.runc.v2\"")
	w("[plugins.%s.containerd.runtimes.runc.options]", quote(plugin))
	// An absolute runc and a private runc state root: never Debian's runc
	// (it fails here), never /run/containerd/runc.
	w("  BinaryName = %s", quote(b.Runc()))
	w("  Root = %s", p("state", "runc"))
	w("  SystemdCgroup = false")
	w("[plugins.%s.cni]", quote(plugin))
}

// cniConfig renders the node's bridge network. The bridge name and subnet
// come from the node's slot, so concurrent nodes never share either. Pods get
// no default route: nothing in the tests leaves the node.
func (n *Node) cniConfig() string {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       n.Network,
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      n.Bridge,
				"isGateway":   true,
				"ipMasq":      false,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": n.Subnet}}},
					"dataDir": filepath.Join(n.Dir, "cni-ipam"),
				},
			},
			map[string]any{
				"type":         "portmap",
				"capabilities": map[string]bool{"portMappings": true},
			},
		},
	}
	b, _ := json.MarshalIndent(conf, "", "  ")
	return string(b) + "\n"
}

// slotNames returns the bridge name, network name and subnet of slot i.
// Bridge names must fit IFNAMSIZ (15 bytes).
func slotNames(i int) (bridge, network, subnet string) {
	s := strconv.Itoa(i)
	return "ctrcri" + s, "ctrcri-" + s, "10.209." + s + ".0/24"
}

func writeFile(path, content string, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), perm)
}
