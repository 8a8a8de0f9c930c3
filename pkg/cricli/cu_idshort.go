package cricli

import (
	"strings"
)

func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(13, len(id))]
}
