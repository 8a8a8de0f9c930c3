package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli"
)

func TestNeedsCRI(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"--version", false},
		{"-v", false},
		{"-n k8s.io --debug --version", false},
		{"--address=/run/x.sock -v", false},
		{"images ls", false},
		{"i ls", false},
		{"-a /run/x.sock -n foo tasks ls", false},
		{"--timeout 3s images --help", false},
		{"", true},
		{"--debug", true},
		{"--help", true},
		{"-h", true},
		{"help images", true},
		{"cri ps", true},
		{"-a /run/x.sock cri ps", true},
		{"-n k8s.io cri --version", true},
		{"imgaes ls", true}, // the suggestion may name cri
		{"--generate-shell-completion", true},
		{"--unknown images", true},
		{"-- images", true},
		{"-a cri images", false}, // cri is -a's value
	} {
		if got := needsCRI(app.New(), strings.Fields(tc.args)); got != tc.want {
			t.Errorf("needsCRI(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// A command line that skips the cri tree prints what it printed with it.
func TestWithoutTheTreeSameOutput(t *testing.T) {
	for _, args := range []string{"--version", "-n k8s.io -v", "images --help", "i ls --help", "namespaces create --help", "tasks", "images lss"} {
		if needsCRI(app.New(), strings.Fields(args)) {
			t.Fatalf("%q builds the tree", args)
		}
		run := func(root func() *cli.Command) string {
			var out, errb bytes.Buffer
			code := cricli.Run(context.Background(), root(), append([]string{"ctr"}, strings.Fields(args)...), &out, &errb)
			return out.String() + "\n--stderr--\n" + errb.String() + "\n--code--\n" + string(rune('0'+code))
		}
		full := run(func() *cli.Command {
			root := app.New()
			root.Commands = append(root.Commands, cricli.Command())
			return root
		})
		lazy := run(func() *cli.Command { return withCRIStub(app.New()) })
		if lazy != full {
			t.Errorf("ctr %s without the cri tree:\n%s\nwith it:\n%s", args, lazy, full)
		}
		if args == "--version" && !strings.HasPrefix(full, "ctr version ") {
			t.Errorf("ctr --version printed %q, want this build's version line", full)
		}
	}
}
