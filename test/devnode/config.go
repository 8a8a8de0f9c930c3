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

// containerdConfig renders the node's containerd config. Version 3 is the
// format measured to work (see shared/spec/devnode.md); containerd migrates
// it on load. Every path containerd or a plugin writes lives under n.Dir, so
// nodes never meet each other or a system containerd.
func (n *Node) containerdConfig(b Build) string {
	p := func(elem ...string) string { return quote(filepath.Join(append([]string{n.Dir}, elem...)...)) }
	var c strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&c, format+"\n", args...) }

	w("version = 3")
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
	w("[plugins.\"io.containerd.shim.v1.manager\"]")
	// The default is /run/containerd/s, shared with a system containerd.
	w("  socket_dir = %s", p("s"))
	w("[plugins.\"io.containerd.nri.v1.nri\"]")
	// NRI's socket is a fixed host path: two nodes would fight over it.
	w("  disable = true")
	w("[plugins.\"io.containerd.image-verifier.v1.bindir\"]")
	w("  bin_dir = %s", p("image-verifier"))
	w("[plugins.\"io.containerd.transfer.v1.local\"]")
	w("  config_path = %s", p("certs.d"))
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
	// Required in this VM: without CAP_SYS_RESOURCE runc cannot lower
	// oom_score_adj and every container start fails.
	w("  restrict_oom_score_adj = true")
	w("  netns_mounts_under_state_dir = true")
	w("  cdi_spec_dirs = []")
	w("[plugins.\"io.containerd.cri.v1.runtime\".containerd]")
	w("  default_runtime_name = \"runc\"")
	w("[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc]")
	w("  runtime_type = \"io.containerd.runc.v2\"")
	w("[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options]")
	// An absolute runc and a private runc state root: never Debian's runc
	// (it fails here), never /run/containerd/runc.
	w("  BinaryName = %s", quote(b.Runc()))
	w("  Root = %s", p("state", "runc"))
	w("  SystemdCgroup = false")
	w("[plugins.\"io.containerd.cri.v1.runtime\".cni]")
	w("  bin_dirs = [%s]", quote(b.CNIDir))
	w("  conf_dir = %s", p("cni"))
	w("  max_conf_num = 1")
	return c.String()
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
