package diagnose

import (
	"os"
	"path/filepath"
	"testing"
)

// R4: the DaemonSet mounts only the snapshotter's metadata.db; statfs
// must measure that file (the node's filesystem), not the directory the
// runtime made for the mount inside the pod's own root filesystem.
func TestCapacityPathPrefersTheSnapshotterDatabase(t *testing.T) {
	t.Parallel()
	host := t.TempDir()
	const mp = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"
	dir := filepath.Join(host, mp)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := capacityPath(host, mp); got != dir {
		t.Errorf("without metadata.db: %s, want %s", got, dir)
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := capacityPath(host, mp), filepath.Join(dir, "metadata.db"); got != want {
		t.Errorf("with metadata.db: %s, want %s", got, want)
	}
}
