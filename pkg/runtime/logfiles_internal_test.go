package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// F5: the log path comes from whoever created the container. A log_path
// that climbs out of the pod's log directory, or a directory symlink that
// leads out of it, must not make rm delete host files.
func TestRemoveLogFilesStaysInThePodsLogDirectory(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	podDir := filepath.Join(base, "pods", "ns_pod_uid")
	victims := filepath.Join(base, "etc")
	for _, d := range []string{podDir, victims} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"trav", "trav.1", "shadow"} {
		if err := os.WriteFile(filepath.Join(victims, f), []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(victims, filepath.Join(podDir, "out")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		rel, want string
	}{
		{"../../etc/trav", "leaves the pod's log directory"},
		{"/etc/shadow", "leaves the pod's log directory"},
		{"out/shadow", "escapes"},
	} {
		// What containerd reports: the joined, cleaned path.
		err := RemoveLogFiles(ContainerLog{Path: filepath.Join(podDir, tc.rel), Rel: tc.rel})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("log_path %q: err %v, want %q", tc.rel, err, tc.want)
		}
	}
	if err := RemoveLogFiles(ContainerLog{Path: "relative/x.log"}); err == nil {
		t.Errorf("a relative log path was accepted")
	}
	for _, f := range []string{"trav", "trav.1", "shadow"} {
		if _, err := os.Stat(filepath.Join(victims, f)); err != nil {
			t.Errorf("%s outside the pod's log directory was deleted", f)
		}
	}

	// kubelet's layout: NAME/ATTEMPT.log with timestamped rotations.
	own := filepath.Join(podDir, "nginx")
	if err := os.Mkdir(own, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"0.log", "0.log.20261101-120000.gz", "0.log.keep", "1.log"} {
		if err := os.WriteFile(filepath.Join(own, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveLogFiles(ContainerLog{Path: filepath.Join(own, "0.log"), Rel: "nginx/0.log"}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(own)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "0.log.keep 1.log" {
		t.Errorf("left %v, want [0.log.keep 1.log]", left)
	}
	// Already gone: nothing to do, not an error.
	if err := RemoveLogFiles(ContainerLog{Path: filepath.Join(own, "0.log"), Rel: "nginx/0.log"}); err != nil {
		t.Errorf("second removal: %v", err)
	}
}
