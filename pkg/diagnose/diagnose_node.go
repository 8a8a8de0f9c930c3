package diagnose

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Where a report's node name came from (Node.NameFrom).
const (
	NodeNameFromFlag     = "flag"
	NodeNameFromEnv      = "env"
	NodeNameFromHostname = "hostname"
)

// Node says which machine a report describes. In a pod the hostname is the
// pod's, so a DaemonSet passes the node name (NODE_NAME from the downward
// API); the kernel is the host's whatever the namespaces.
type Node struct {
	Name     string `json:"name"`
	NameFrom string `json:"nameFrom"` // flag | env | hostname
	Kernel   string `json:"kernel,omitempty"`
	OS       string `json:"os,omitempty"`
	Arch     string `json:"arch,omitempty"`
}

// HostInfo is what ReadHost finds out about the machine it runs on.
type HostInfo struct {
	Hostname, Kernel, OS, Arch string
}

// ReadHost reads the kernel release and architecture (uname) and the OS
// name from root/etc/os-release (or root/usr/lib/os-release). root is "/"
// on the node, the host's mount point in a debug container (/host).
func ReadHost(root string) HostInfo {
	var h HostInfo
	h.Hostname, _ = os.Hostname()
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		h.Kernel, h.Arch = utsString(u.Release[:]), utsString(u.Machine[:])
	}
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if name := osRelease(filepath.Join(root, p)); name != "" {
			h.OS = name
			break
		}
	}
	return h
}

func utsString[T int8 | uint8](b []T) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}

// osRelease returns PRETTY_NAME, else NAME VERSION_ID, of an os-release file.
func osRelease(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		kv[k] = strings.Trim(v, `"'`)
	}
	if kv["PRETTY_NAME"] != "" {
		return kv["PRETTY_NAME"]
	}
	return strings.TrimSpace(kv["NAME"] + " " + kv["VERSION_ID"])
}

// NodeIdentity names the node: the flag's value, else NODE_NAME, else the
// hostname.
func NodeIdentity(flag, env string, h HostInfo) Node {
	n := Node{Kernel: h.Kernel, OS: h.OS, Arch: h.Arch}
	switch {
	case flag != "":
		n.Name, n.NameFrom = flag, NodeNameFromFlag
	case env != "":
		n.Name, n.NameFrom = env, NodeNameFromEnv
	default:
		n.Name, n.NameFrom = h.Hostname, NodeNameFromHostname
	}
	return n
}
