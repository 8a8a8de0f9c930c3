package cricli

import (
	"encoding/base64"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestPull(t *testing.T) {
	s := node(t)
	r := ctr(t, s.Endpoint, "cri", "pull", "-a", "k=v", "--pod-config", file(t, "p.yaml", podConfigYAML), "quay.io/x/y:1").ok(t)
	if r.stdout != "Image is up to date for quay.io/x/y:1\n" {
		t.Errorf("pull printed %q", r.stdout)
	}
	if got := s.ImageCalls(); !sameCalls(got, "PullImage") {
		t.Errorf("pull made %v", got)
	}
	r = ctr(t, s.Endpoint, "cri", "inspecti", "-o", "go-template={{.status.spec.annotations.k}}", "quay.io/x/y:1").ok(t)
	if r.stdout != "v\n" {
		t.Errorf("the annotation should reach the runtime with the pull: %q", r.stdout)
	}
}

func TestPullCredentialsReachTheRuntimeButNoOutput(t *testing.T) {
	s := node(t)
	const secret = "s3cr3t-pa55"
	r := ctr(t, s.Endpoint, "cri", "--debug", "pull", "--creds", "alice:"+secret, "busybox")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s.ImageService.AssertImagePulledWithAuth(t, &runtimeapi.ImageSpec{Image: "busybox"}, &runtimeapi.AuthConfig{Username: "alice", Password: secret}, "--creds")
	if strings.Contains(r.stderr+r.stdout, secret) {
		t.Errorf("the password leaked into the output:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "PullImage") || !strings.Contains(r.stderr, "<redacted>") {
		t.Errorf("--debug should trace the pull with credentials redacted:\n%s", r.stderr)
	}

	r = ctrIn(t, s.Endpoint, secret+"\n", "cri", "--debug", "pull", "-u", "bob", "--password-stdin", "busybox")
	if r.code != 0 || strings.Contains(r.stderr, secret) {
		t.Fatalf("--password-stdin: exit %d\n%s", r.code, r.stderr)
	}
	s.ImageService.AssertImagePulledWithAuth(t, &runtimeapi.ImageSpec{Image: "busybox"}, &runtimeapi.AuthConfig{Username: "bob", Password: secret}, "--username")

	b64 := base64.StdEncoding.EncodeToString([]byte("carol:" + secret))
	t.Setenv("CRICTL_AUTH", b64)
	ctr(t, s.Endpoint, "cri", "pull", "busybox").ok(t)
	s.ImageService.AssertImagePulledWithAuth(t, &runtimeapi.ImageSpec{Image: "busybox"}, &runtimeapi.AuthConfig{Auth: b64}, "CRICTL_AUTH")
}

func TestPullCredsWithoutPasswordAndRawAuthAsCrictl(t *testing.T) {
	s := node(t)
	// --creds USER: an empty password, no prompt (stdin is no terminal here).
	ctrIn(t, s.Endpoint, "", "cri", "pull", "--creds", "dave", "busybox").ok(t)
	s.ImageService.AssertImagePulledWithAuth(t, &runtimeapi.ImageSpec{Image: "busybox"}, &runtimeapi.AuthConfig{Username: "dave"}, "--creds USER")
	// --auth is passed through as is; the runtime judges it.
	ctr(t, s.Endpoint, "cri", "pull", "--auth", "notbase64", "busybox").ok(t)
	s.ImageService.AssertImagePulledWithAuth(t, &runtimeapi.ImageSpec{Image: "busybox"}, &runtimeapi.AuthConfig{Auth: "notbase64"}, "--auth")
}

func TestPullBadInputFailsBeforeAnyRPC(t *testing.T) {
	s := node(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pull"}, "pull takes NAME[:TAG|@DIGEST], got 0 arguments"},
		{[]string{"pull", "Not A Ref"}, `invalid image reference "Not A Ref"`},
		{[]string{"pull", "--creds", "a:b", "--auth", "eDp5", "busybox"}, "alternatives"},
		{[]string{"pull", "--creds", ":pw", "busybox"}, "user name is empty"},
		{[]string{"pull", "-u", "bob", "busybox"}, "not a terminal"},
		{[]string{"pull", "--password-stdin", "busybox"}, "needs --username"},
		{[]string{"pull", "-a", "novalue", "busybox"}, `invalid --annotation "novalue"`},
		{[]string{"pull", "--pull-timeout", "-1s", "busybox"}, "invalid --pull-timeout"},
		{[]string{"pull", "--pod-config", "/nonexistent.yaml", "busybox"}, "/nonexistent.yaml: cannot read"},
	} {
		ctr(t, s.Endpoint, append([]string{"cri"}, tc.args...)...).fails(t, 2, tc.want)
	}
	if c := calls(s); len(c) != 0 {
		t.Errorf("bad pulls made RPCs: %v", c)
	}
}
