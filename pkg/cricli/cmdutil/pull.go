package cmdutil

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/containerd/console"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// AuthHelp explains the registry credential flags.
const AuthHelp = `Registry credentials: --creds USER[:PASS], --auth BASE64(USER:PASS), or
--username USER with the password typed at a prompt or piped with
--password-stdin. Prefer CRICTL_CREDS/CRICTL_AUTH or --password-stdin over
secrets in the command line (other users can read it in ps). Credentials are
never printed, not even by --debug.`

// PullAuthFlags are the registry flags of pull, create and run.
func PullAuthFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "creds", Usage: "registry credentials `USER[:PASS]` (no :PASS: an empty password, as crictl, or --password-stdin)", Sources: cli.EnvVars("CRICTL_CREDS")},
		&cli.StringFlag{Name: "auth", Usage: "registry auth string, passed to the runtime as is (usually base64 of USER:PASS)", Sources: cli.EnvVars("CRICTL_AUTH")},
		&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "registry `USER`; the password is asked for on the terminal"},
		&cli.BoolFlag{Name: "password-stdin", Usage: "read the registry password from stdin"},
		&cli.DurationFlag{Name: "pull-timeout", Aliases: []string{"pt"}, Usage: "give up pulling after this long (0: no limit)", Sources: cli.EnvVars("CRICTL_PULL_TIMEOUT")},
	}
}

// PullTimeout is --pull-timeout as a duration.
func PullTimeout(cmd *cli.Command) (time.Duration, error) {
	d := cmd.Duration("pull-timeout")
	if d < 0 {
		return 0, UsageErrorf("invalid --pull-timeout %s: must not be negative", d)
	}
	return d, nil
}

// AuthFrom builds the registry credentials from the flags, asking for a
// password when one is needed. It runs before any RPC.
func AuthFrom(cmd *cli.Command) (*runtimeapi.AuthConfig, error) {
	creds, b64, user := cmd.String("creds"), cmd.String("auth"), cmd.String("username")
	n := 0
	for _, s := range []string{creds, b64, user} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, UsageErrorf("--creds, --auth and --username are alternatives: give one")
	}
	stdin := cmd.Bool("password-stdin")
	switch {
	case b64 != "":
		if stdin {
			return nil, UsageErrorf("--password-stdin goes with --username or --creds USER, not --auth")
		}
		// Passed through as crictl does: the runtime decides what it accepts.
		return &runtimeapi.AuthConfig{Auth: b64}, nil
	case creds != "":
		u, p, hasPass := strings.Cut(creds, ":")
		if u == "" {
			return nil, UsageErrorf("invalid --creds: the user name is empty (want USER[:PASS])")
		}
		if hasPass && stdin {
			return nil, UsageErrorf("--password-stdin with --creds USER:PASS: the password is given twice")
		}
		if !hasPass && stdin {
			var err error
			if p, err = readPassword(cmd, u); err != nil {
				return nil, err
			}
		}
		return &runtimeapi.AuthConfig{Username: u, Password: p}, nil
	case user != "":
		p, err := readPassword(cmd, user)
		if err != nil {
			return nil, err
		}
		return &runtimeapi.AuthConfig{Username: user, Password: p}, nil
	case stdin:
		return nil, UsageErrorf("--password-stdin needs --username (or --creds USER)")
	}
	return nil, nil
}

// readPassword reads one line from stdin (--password-stdin) or asks on the
// terminal without echo.
func readPassword(cmd *cli.Command, user string) (string, error) {
	in := cmd.Root().Reader
	if in == nil {
		in = os.Stdin
	}
	if cmd.Bool("password-stdin") {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		p := strings.TrimRight(line, "\r\n")
		if p == "" {
			return "", UsageErrorf("--password-stdin: stdin held no password")
		}
		return p, nil
	}
	f, ok := in.(*os.File)
	var con console.Console
	var err error
	if ok {
		con, err = console.ConsoleFromFile(f)
	}
	if !ok || err != nil {
		return "", UsageErrorf("password for %q: stdin is not a terminal to ask on; pipe it with --password-stdin", user)
	}
	errw := Stderr(cmd)
	fmt.Fprintf(errw, "Password for %s: ", printer.Escape(user))
	if err := con.DisableEcho(); err != nil {
		return "", fmt.Errorf("password prompt: %w", err)
	}
	line, rerr := bufio.NewReader(f).ReadString('\n')
	// The echo is restored before anything else is reported, and a
	// terminal left without echo is worth an error of its own.
	reseterr := con.Reset()
	fmt.Fprintln(errw)
	if reseterr != nil {
		return "", fmt.Errorf("password prompt: %w", reseterr)
	}
	if rerr != nil && rerr != io.EOF {
		return "", fmt.Errorf("read password: %w", rerr)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// PullProgress is what a pull of image shows on a terminal: per-blob bars
// while it runs and, once it succeeded, one line of what it came to. The
// watch is nil (no progress, no extra RPC) when stderr is not a terminal;
// done erases the bars, leaving the final line after a success.
func PullProgress(cmd *cli.Command, image string) (*ctrd.PullWatch, func()) {
	v := NewLiveView(cmd)
	if v == nil {
		return nil, func() {}
	}
	var final string
	watch := &ctrd.PullWatch{Report: func(st ctrd.PullStatus) {
		if st.Finished {
			final = views.PullDone(image, st)
			return
		}
		v.Draw(views.PullFrame(image, st, v.Screen())...)
	}}
	if cs := SessionOf(cmd).PullContent(); cs != nil {
		watch.Content = cs // tests: the fake CRI server has no content store
	}
	return watch, func() { v.End(final) }
}

// FlagForce is the name of rmi's --force, which the crictl personality drops.
const FlagForce = "force"
