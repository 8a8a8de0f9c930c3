package cmdutil

import (
	"strings"
)

func Short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(13, len(id))]
}
