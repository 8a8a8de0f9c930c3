package devnode

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Mirror sends every pull of images named host/... (gcr.io, registry.k8s.io,
// localhost) to the plain-HTTP registry at endpoint (host:port) instead:
// it writes certs.d/<host>/hosts.toml, the registry host configuration the
// CRI images plugin and the transfer service read at each pull
// (config_path), so it works on a running node. The registry serves the
// same repository paths without the host: gcr.io/a/b:1 is a/b:1 there.
func (n *Node) Mirror(host, endpoint string) error {
	if host == "" || strings.ContainsAny(host, "/\\") || strings.HasPrefix(host, ".") {
		return fmt.Errorf("devnode: mirror: invalid registry host %q", host)
	}
	toml := fmt.Sprintf("server = %s\n\n[host.%s]\n  capabilities = [\"pull\", \"resolve\"]\n",
		quote("https://"+host), quote("http://"+endpoint))
	return writeFile(filepath.Join(n.CertsDir(), host, "hosts.toml"), toml, 0o644)
}
