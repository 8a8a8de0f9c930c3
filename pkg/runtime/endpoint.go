package runtime

import (
	"fmt"
	"strings"
)

// ParseEndpoint turns a CRI endpoint ("unix:///run/x.sock" or a plain path)
// into the unix socket path to dial.
func ParseEndpoint(ep string) (string, error) {
	switch {
	case ep == "":
		return "", fmt.Errorf("empty endpoint")
	case strings.HasPrefix(ep, "unix://"):
		p := strings.TrimPrefix(ep, "unix://")
		if p == "" {
			return "", fmt.Errorf("endpoint %q: no socket path", ep)
		}
		return p, nil
	case strings.Contains(ep, "://"):
		return "", fmt.Errorf("endpoint %q: only unix sockets are supported (unix:///path or /path)", ep)
	default:
		return ep, nil
	}
}
