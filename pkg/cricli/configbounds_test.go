package cricli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// F9, F12: a config file is bounded in size, alias/merge expansion and
// depth. Each is a usage error in well under a second, before any RPC:
// before, a 791-byte merge-key fan-out ran for minutes and "runp
// /dev/zero" grew until the OOM killer came.
func TestConfigFilesAreBounded(t *testing.T) {
	s := node(t)
	// 11 levels of ten <<: merges of the level below: 10^11 maps to walk.
	lines := []string{"metadata: {name: bl}", "image: {image: localhost/ctrcri/busybox:latest}", "mounts:", "- &a0 {}"}
	for i := 1; i < 12; i++ {
		lines = append(lines, fmt.Sprintf("- &a%d {<<: [%s]}", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", ")))
	}
	laughs := writeFile(t, "laughs.yaml", strings.Join(lines, "\n")+"\n")
	deep := writeFile(t, "deep.yaml", "metadata: {name: x, namespace: y}\nlabels: "+strings.Repeat("[", 100)+strings.Repeat("]", 100)+"\n")
	big := writeFile(t, "big.yaml", "metadata: {name: x, namespace: y}\nlabels:\n"+strings.Repeat("  k: v\n", 1<<20))
	pod := writeFile(t, "pod.yaml", "metadata: {name: x, namespace: y}\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", podA, laughs, pod}, "aliases and merge keys (<<:) expand too much"},
		{[]string{"runp", "/dev/zero"}, "/dev/zero: larger than 4MiB"},
		{[]string{"runp", big}, "big.yaml: larger than 4MiB"},
		{[]string{"runp", deep}, "nested deeper than 64 levels"},
	} {
		start := time.Now()
		ctr(t, s.Endpoint, append([]string{"cri"}, tc.args...)...).fails(t, 2, tc.want)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v took %v", tc.args, d)
		}
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("config errors made RPCs: %v", calls)
	}
}
