package cricli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// What crictl's own suite (cri-tools test/e2e) checks, under the crictl
// name; test/crisuite runs that suite itself on a dev node.

// crictl writes its whole config file on --set: every key in its order,
// the file's own styles and comments kept (config_test.go of the suite).
func TestCrictlConfigSetWritesCrictlFile(t *testing.T) {
	for _, tc := range []struct{ name, before, set, want string }{{
		name: "comments",
		before: `
runtime-endpoint: "foo"
image-endpoint: "bar" # an inline comment
timeout: 5

# comment below a newline
debug: true
`,
		set: "runtime-endpoint=bar,image-endpoint=baz,timeout=10,debug=false",
		want: `runtime-endpoint: "bar"
image-endpoint: "baz" # an inline comment
timeout: 10
# comment below a newline
debug: false
pull-image-on-create: false
disable-pull-on-run: false
max-retries: 0
`,
	}, {
		name: "duplicates",
		before: `
timeout: 20
timeout: 5
timeout: 10
`,
		set: "timeout=30",
		want: `timeout: 30
timeout: 30
timeout: 30
runtime-endpoint: ""
image-endpoint: ""
debug: false
pull-image-on-create: false
disable-pull-on-run: false
max-retries: 0
`,
	}, {
		name:   "empty",
		before: "",
		set:    "runtime-endpoint=foo,timeout=10",
		want: `runtime-endpoint: foo
image-endpoint: ""
timeout: 10
debug: false
pull-image-on-create: false
disable-pull-on-run: false
max-retries: 0
`,
	}, {
		name:   "values kept as read",
		before: "debug: 1\nmax-retries: 07\n",
		set:    "image-endpoint=/run/x.sock",
		want: `debug: true
max-retries: 7
runtime-endpoint: ""
image-endpoint: /run/x.sock
timeout: 0
pull-image-on-create: false
disable-pull-on-run: false
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := file(t, "crictl.yaml", tc.before)
			crictl(t, "--config", p, "config", "--set", tc.set).ok(t)
			got, _ := os.ReadFile(p)
			if string(got) != tc.want {
				t.Errorf("file after crictl config --set:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	// KEY VALUE writes the same whole file.
	p := file(t, "crictl.yaml", "")
	crictl(t, "--config", p, "config", "timeout", "3").ok(t)
	if got, _ := os.ReadFile(p); !strings.Contains(string(got), "timeout: 3\n") || !strings.Contains(string(got), "max-retries: 0\n") {
		t.Errorf("file after crictl config timeout 3:\n%s", got)
	}
	// ctr cri keeps its minimal edit.
	p = file(t, "crictl.yaml", "timeout: 5\n")
	ctr(t, "", "cri", "-c", p, "config", "--set", "debug=true").ok(t)
	if got, _ := os.ReadFile(p); string(got) != "timeout: 5\ndebug: true\n" {
		t.Errorf("ctr cri config --set changed more than its key:\n%s", got)
	}
}

// A bad value is refused before the file is touched, under both names.
func TestCrictlConfigSetBadFile(t *testing.T) {
	p := file(t, "crictl.yaml", "timeout: soon\n")
	crictl(t, "--config", p, "config", "--set", "debug=true").fails(t, 1, "timeout")
	if got, _ := os.ReadFile(p); string(got) != "timeout: soon\n" {
		t.Errorf("a failed --set changed the file:\n%s", got)
	}
}

// crictl prints "Incorrect Usage" and the help of the command on stdout
// for a flag it cannot parse, and the error on stderr (help_test.go,
// info_test.go of the suite); ctr cri prints one line on stderr.
func TestCrictlHelpOnFlagErrors(t *testing.T) {
	r := crictl(t, "--invalid").fails(t, 1, "flag provided but not defined")
	if !strings.Contains(r.stdout, "Incorrect Usage: flag provided but not defined: -invalid") || !strings.Contains(r.stdout, "crictl - client for CRI") {
		t.Errorf("crictl --invalid: stdout\n%s", r.stdout)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 {
		t.Errorf("crictl --invalid: %d lines on stderr:\n%s", n, r.stderr)
	}
	r = crictl(t, "ps", "--bogus").fails(t, 1, "flag provided but not defined")
	if !strings.Contains(r.stdout, "crictl ps") || strings.Contains(r.stdout, "client for CRI") {
		t.Errorf("crictl ps --bogus: want the help of ps on stdout, got\n%s", r.stdout)
	}
	r = crictl(t, "ps", "--last", "abc").fails(t, 1, "--last")
	if !strings.Contains(r.stdout, "Incorrect Usage") {
		t.Errorf("crictl ps --last abc: stdout\n%s", r.stdout)
	}
	// A value a validator refuses is crictl's Action error: no help.
	r = crictl(t, "ps", "--state", "bogus").fails(t, 1, `invalid --state "bogus"`)
	if r.stdout != "" {
		t.Errorf("crictl ps --state bogus printed on stdout:\n%s", r.stdout)
	}
	r = ctr(t, "", "cri", "--invalid").fails(t, 2, "flag provided but not defined")
	if r.stdout != "" {
		t.Errorf("ctr cri --invalid printed on stdout:\n%s", r.stdout)
	}
	r = ctr(t, "", "cri", "ps", "--bogus").fails(t, 2, "flag provided but not defined")
	if r.stdout != "" {
		t.Errorf("ctr cri ps --bogus printed on stdout:\n%s", r.stdout)
	}
}

// events checks its options before connecting, in crictl's words
// (events_test.go of the suite); nothing on stdout.
func TestCrictlEventsOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "--output=ini"}, `don't support .* format`},
		{[]string{"events", "--template={{.containerID}}"}, `template can't be used with .* format`},
		{[]string{"events", "--output=go-template", "--template={{"}, `failed to parse go-template`},
	} {
		r := crictl(t, append([]string{"-r", filepath.Join(t.TempDir(), "none.sock")}, tc.args...)...)
		if r.code != 1 || r.stdout != "" || !regexp.MustCompile(tc.want).MatchString(r.stderr) {
			t.Errorf("crictl %s: exit %d, stdout %q, stderr %q; want exit 1, stderr matching %q", strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// A failed pull says "pulling image", as crictl's does (pull_test.go of
// the suite), under both names.
func TestPullFailureSaysPullingImage(t *testing.T) {
	s := node(t)
	s.ImageService.InjectError("PullImage", status.Error(codes.NotFound, "failed to resolve reference"))
	crictl(t, "-r", s.Endpoint, "pull", "localhost/wrong").fails(t, 1, `crictl: pulling image "localhost/wrong": `)
	s.ImageService.InjectError("PullImage", status.Error(codes.NotFound, "failed to resolve reference"))
	ctr(t, s.Endpoint, "cri", "pull", "localhost/wrong").fails(t, 1, `ctr: pulling image "localhost/wrong": `)
}
