package cmdutil

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/containerd/log"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Options are what a tree is built with. The zero value is the binary's:
// the real clock, host, containerd and files; tests pin what they need.
type Options struct {
	// Now is the time tables measure ages against (zero: time.Now).
	Now time.Time
	// Host is the machine diagnose reports on (nil: read it).
	Host *diagnose.HostInfo
	// Containerd is containerd's API beside a CRI client (nil: dial the
	// client's socket); the fake CRI server has no containerd API.
	Containerd func(*runtime.Client) ctrd.Containerd
	// PullContent is the content store pull progress reads (nil:
	// containerd's).
	PullContent ctrd.PullContent
	// ConfigFile is crictl's default config file ("": DefaultConfigFile).
	ConfigFile string
	// Executable is the binary's path, for the crictl.yaml beside it (nil:
	// os.Executable).
	Executable func() (string, error)
}

// Session is one tree's state for one run, shared by every command of it:
// the options it was built with, the output streams, crictl.yaml (read
// once, when first needed), the run's hooks (profiles, trace) and the
// global flags' proxies. Command builds it; every command finds it through
// SessionOf.
type Session struct {
	opts Options

	// stdout and stderr are what the run was given (SetStreams); nil:
	// the root command's, for a tree run without Run.
	stdout, stderr io.Writer

	config struct {
		once sync.Once
		cfg  *CrictlConfig
		path string
		err  error
	}

	personality Personality
	hooks       runHooks
	installed   bool         // InstallGlobals ran: ctr's flags act under cri
	copyProxies func() error // urfavex.ProxyGlobals' copy
}

// sessionKey holds a tree's *Session in the cri command's Metadata.
const sessionKey = "ctrcri.session"

// NewSession starts the session of a fresh tree.
func NewSession(opts Options) *Session { return &Session{opts: opts, personality: CtrCri()} }

// Attach makes s the session of the tree under cri and gives cri the one
// Before and After every run goes through.
func (s *Session) Attach(cri *cli.Command) {
	if cri.Metadata == nil {
		cri.Metadata = map[string]any{}
	}
	cri.Metadata[sessionKey] = s
	cri.Before = s.before
	cri.After = func(_ context.Context, cmd *cli.Command) error { return s.hooks.after(cmd) }
	s.hooks.recordErrors(cri)
}

// SessionOf is the session of the tree cmd belongs to.
func SessionOf(cmd *cli.Command) *Session {
	if s, ok := CriCommand(cmd).Metadata[sessionKey].(*Session); ok {
		return s
	}
	return NewSession(Options{}) // a tree built without Command (none ships)
}

// SetStreams makes stdout and stderr the streams of root (ctr's, with cri
// below it, or crictl's) and of its cri session: urfave/cli writes help and
// its own messages to root's, every command to the session's (Stdout,
// Stderr).
func SetStreams(root *cli.Command, stdout, stderr io.Writer) {
	root.Writer, root.ErrWriter = stdout, stderr
	cri := root
	if c := root.Command("cri"); c != nil {
		cri = c
	}
	if s, ok := CriCommand(cri).Metadata[sessionKey].(*Session); ok {
		s.stdout, s.stderr = stdout, stderr
	}
}

// Stdout is where cmd writes its results: the stdout of the run.
func Stdout(cmd *cli.Command) io.Writer {
	if w := SessionOf(cmd).stdout; w != nil {
		return w
	}
	return cmd.Root().Writer
}

// Stderr is where cmd writes warnings, progress and errors of its own: the
// stderr of the run.
func Stderr(cmd *cli.Command) io.Writer {
	if w := SessionOf(cmd).stderr; w != nil {
		return w
	}
	return cmd.Root().ErrWriter
}

// before runs once per command line, before any action: global flags given
// after the subcommand are copied to their owners, ctr's own flags checked,
// containerd's logger quietened, then profiles and the trace started.
func (s *Session) before(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	if s.installed {
		if err := s.copyProxies(); err != nil {
			return ctx, &UsageError{Err: err}
		}
		if err := ctrGlobals(cmd); err != nil {
			return ctx, err
		}
	}
	return s.hooks.before(quietContainerdLog(ctx, cmd), cmd)
}

// quietContainerdLog gives the commands a context whose containerd logger
// discards: the containerd client logs through it (load's "apply failure,
// attempting cleanup"), and a failure must be exactly one "ctr:" line. With
// ctr --debug the lines stay, for whoever is debugging.
func quietContainerdLog(ctx context.Context, cmd *cli.Command) context.Context {
	if cmd.Root().Bool("debug") {
		return ctx
	}
	l := logrus.New()
	l.Out = io.Discard
	return log.WithLogger(ctx, logrus.NewEntry(l))
}

// Now is the time tables measure ages against.
func (s *Session) Now() time.Time {
	if !s.opts.Now.IsZero() {
		return s.opts.Now
	}
	return time.Now()
}

// Host is the machine diagnose reports on; hostRoot is where its files are
// read from.
func (s *Session) Host(hostRoot string) diagnose.HostInfo {
	if s.opts.Host != nil {
		return *s.opts.Host
	}
	return diagnose.ReadHost(hostRoot)
}

// Containerd is containerd's API beside c's CRI.
func (s *Session) Containerd(c *runtime.Client) ctrd.Containerd {
	if s.opts.Containerd != nil {
		return s.opts.Containerd(c)
	}
	return ctrd.New(c, runtime.CRINamespace)
}

// PullContent is the content store pull progress reads (nil: containerd's).
func (s *Session) PullContent() ctrd.PullContent { return s.opts.PullContent }

func (s *Session) configFile() string {
	if s.opts.ConfigFile != "" {
		return s.opts.ConfigFile
	}
	return DefaultConfigFile
}

func (s *Session) executable() (string, error) {
	if s.opts.Executable != nil {
		return s.opts.Executable()
	}
	return os.Executable()
}

// Config is crictl's config file as LoadConfig reads it, read on the first
// call of the run and remembered.
func (s *Session) Config(cmd *cli.Command) (*CrictlConfig, string, error) {
	s.config.once.Do(func() {
		s.config.cfg, s.config.path, s.config.err = s.loadConfig(cmd)
	})
	return s.config.cfg, s.config.path, s.config.err
}
