package cricli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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
		{[]string{"debug"}, "config takes KEY VALUE, got 1 argument"},
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
	// C21: as crictl, --get shows the file's value; absent means 0.
	r := ctr(t, "", "cri", "-c", p, "config", "--get", "timeout").ok(t)
	if r.stdout != "0\n" {
		t.Errorf("absent timeout: %q", r.stdout)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("reading must not create the file")
	}
	// An unset endpoint is an empty cell, as crictl prints it (C21).
	r = ctr(t, "", "cri", "-c", p, "config", "--list").ok(t)
	if !regexp.MustCompile(`(?m)^runtime-endpoint\s*$`).MatchString(r.stdout) {
		t.Errorf("config --list of a missing file: want an empty runtime-endpoint cell, got %q", r.stdout)
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

// C22, F21, A09, C34: duplicate keys, anchors, YAML 1.1 words, max-retries
// and two modes at once.
func TestConfigEditsValidYAMLAsTheLoaderReadsIt(t *testing.T) {
	p := file(t, "crictl.yaml", "# comment\ntimeout: 5\ndebug: false\ndebug: false\n")
	ctr(t, "", "cri", "-c", p, "config", "--set", "debug=true").ok(t)
	if got, _ := os.ReadFile(p); string(got) != "# comment\ntimeout: 5\ndebug: true\ndebug: true\n" {
		t.Errorf("duplicate keys: only some were set:\n%s", got)
	}
	p = file(t, "crictl.yaml", "timeout: 5\ntimeout: 7\n")
	if r := ctr(t, "", "cri", "-c", p, "config", "--get", "timeout").ok(t); r.stdout != "7\n" {
		t.Errorf("--get reads the first of duplicate keys: %q", r.stdout)
	}
	p = file(t, "crictl.yaml", "runtime-endpoint: &ep unix:///run/a.sock\nimage-endpoint: *ep\n")
	if r := ctr(t, "", "cri", "-c", p, "config", "--get", "image-endpoint").ok(t); r.stdout != "unix:///run/a.sock\n" {
		t.Errorf("--get of an alias: %q", r.stdout)
	}
	ctr(t, "", "cri", "-c", p, "config", "--set", "runtime-endpoint=unix:///run/b.sock").ok(t)
	if r := ctr(t, "", "cri", "-c", p, "config", "--get", "image-endpoint").ok(t); r.stdout != "unix:///run/a.sock\n" {
		t.Errorf("setting runtime-endpoint changed image-endpoint through the anchor: %q", r.stdout)
	}
	p = file(t, "crictl.yaml", "")
	ctr(t, "", "cri", "-c", p, "config", "--set", "runtime-endpoint=on").ok(t)
	if r := ctr(t, "", "cri", "-c", p, "-D", "version"); !strings.Contains(r.stderr, "runtime endpoint on (from config") {
		t.Errorf("the loader does not read back the string \"on\": %s", r.stderr)
	}
	ctr(t, "", "cri", "-c", p, "config", "--set", "runtime-endpoint=/\xf6").fails(t, 2, "invalid runtime-endpoint", "not UTF-8")
	ctr(t, "", "cri", "-c", p, "config", "--set", "max-retries=-1").ok(t)
	if r := ctr(t, "", "cri", "-c", p, "config", "--get", "max-retries", "--list").ok(t); r.stdout != "-1\n" {
		t.Errorf("--get max-retries --list: %q", r.stdout)
	}
	if r := ctr(t, "", "cri", "-c", p, "config", "--list").ok(t); !strings.Contains(r.stdout, "max-retries            -1\n") || !strings.Contains(r.stdout, "timeout                0\n") {
		t.Errorf("--list:\n%s", r.stdout)
	}
	ctr(t, "", "cri", "-c", p, "config", "--set", "max-retries=x").fails(t, 2, `invalid max-retries "x"`)
}
