package devnode

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMirrorWritesHostsToml(t *testing.T) {
	n := &Node{Dir: t.TempDir()}
	if err := n.Mirror("gcr.io", "127.0.0.1:5000"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(n.Dir, "certs.d", "gcr.io", "hosts.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := "server = \"https://gcr.io\"\n\n[host.\"http://127.0.0.1:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
	if string(got) != want {
		t.Errorf("hosts.toml:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{"", "../etc", "a/b", ".hidden"} {
		if err := n.Mirror(bad, "127.0.0.1:5000"); err == nil {
			t.Errorf("Mirror(%q) accepted", bad)
		}
	}
}
