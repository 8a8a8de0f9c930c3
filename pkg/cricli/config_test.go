package cricli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const commentedConfig = `# crictl settings for this node
runtime-endpoint: unix:///run/containerd/containerd.sock # the socket
timeout: 2
# kept although ctr cri does not know it
custom-key: keep me
`

func TestConfigSetKeepsCommentsAndUnknownKeys(t *testing.T) {
	p := file(t, "crictl.yaml", commentedConfig)
	ctr(t, "", "cri", "-c", p, "config", "--set", "timeout=10,debug=true").ok(t)
	got, _ := os.ReadFile(p)
	want := `# crictl settings for this node
runtime-endpoint: unix:///run/containerd/containerd.sock # the socket
timeout: 10
# kept although ctr cri does not know it
custom-key: keep me
debug: true
`
	if string(got) != want {
		t.Errorf("file after --set:\n%s\nwant:\n%s", got, want)
	}
	r := ctr(t, "", "cri", "-c", p, "config", "--get", "timeout").ok(t)
	if r.stdout != "10\n" {
		t.Errorf("--get timeout: %q", r.stdout)
	}
	ctr(t, "", "cri", "-c", p, "config", "image-endpoint", "/run/other.sock").ok(t)
	r = ctr(t, "", "cri", "-c", p, "config", "--list", "-o", "json").ok(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["timeout"] != 10.0 || doc["debug"] != true || doc["image-endpoint"] != "/run/other.sock" || doc["pull-image-on-create"] != false {
		t.Errorf("--list -o json: %v", doc)
	}
	r = ctr(t, "", "cri", "-c", p, "config", "--list").ok(t)
	if !strings.HasPrefix(r.stdout, "KEY") || !strings.Contains(r.stdout, "timeout                10\n") {
		t.Errorf("--list table:\n%s", r.stdout)
	}
}

func TestConfigBadInputLeavesFileAlone(t *testing.T) {
	p := file(t, "crictl.yaml", commentedConfig)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "timeout=soon"}, `invalid timeout "soon"`},
		{[]string{"--set", "debug=true,timeout=-1"}, `invalid timeout "-1"`},
		{[]string{"--set", "debug=maybe"}, `invalid debug "maybe"`},
		{[]string{"--set", "color=red"}, `no config option "color"`},
		{[]string{"--set", "debug"}, `want KEY=VALUE`},
		{[]string{"--set", "runtime-endpoint=tcp://x:1"}, "only unix sockets"},
		{[]string{"--get", "nope"}, `no config option "nope"`},
		{[]string{"--get", "debug", "--list"}, "give one of"},
		{[]string{"debug"}, "give KEY VALUE"},
		{nil, "give one of"},
	} {
		ctr(t, "", append([]string{"cri", "-c", p, "config"}, tc.args...)...).fails(t, 2, tc.want)
	}
	if got, _ := os.ReadFile(p); string(got) != commentedConfig {
		t.Errorf("a failed command changed the file:\n%s", got)
	}
}

func TestConfigMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "crictl.yaml")
	r := ctr(t, "", "cri", "-c", p, "config", "--get", "timeout").ok(t)
	if r.stdout != "2\n" {
		t.Errorf("default timeout: %q", r.stdout)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("reading must not create the file")
	}
	ctr(t, "", "cri", "-c", p, "config", "--set", "runtime-endpoint=unix:///run/k3s/containerd/containerd.sock").ok(t)
	if got, _ := os.ReadFile(p); string(got) != "runtime-endpoint: unix:///run/k3s/containerd/containerd.sock\n" {
		t.Errorf("created file: %q", got)
	}
}

func TestConfigPullImageOnCreateMeansPullAlways(t *testing.T) {
	s := node(t)
	p := file(t, "crictl.yaml", "pull-image-on-create: true\n")
	ctrCfg := file(t, "c.yaml", strings.Replace(ctrConfigYAML, "docker.io/library/busybox:latest", imgB, 1))
	ctr(t, s.Endpoint, "cri", "-c", p, "create", "web", ctrCfg, file(t, "p.yaml", podConfigYAML)).ok(t)
	if img := s.ImageCalls(); !sameCalls(img, "PullImage") {
		t.Errorf("pull-image-on-create: true should pull even a present image: %v", img)
	}
	p = file(t, "crictl.yaml", "disable-pull-on-run: true\n")
	ctr(t, s.Endpoint, "cri", "-c", p, "run", file(t, "c.yaml", ctrConfigYAML), file(t, "p.yaml", podConfigYAML)).ok(t)
	if img := s.ImageCalls(); len(img) != 0 {
		t.Errorf("disable-pull-on-run: true should not touch images: %v", img)
	}
}
