package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v3"
	yaml3 "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"sigs.k8s.io/yaml"

	"github.com/ctrcri/ctrcri/pkg/cricli/urfavex"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// DefaultEndpoint is containerd's socket: CRI is served in-process there.
const DefaultEndpoint = "unix:///run/containerd/containerd.sock"

// DefaultConfigFile is crictl's configuration file.
const DefaultConfigFile = "/etc/crictl.yaml"

// CrictlConfig is the subset of crictl's YAML config that ctr cri reads.
type CrictlConfig struct {
	RuntimeEndpoint   string `json:"runtime-endpoint"`
	ImageEndpoint     string `json:"image-endpoint"`
	Timeout           int    `json:"timeout"`
	Debug             bool   `json:"debug"`
	PullImageOnCreate bool   `json:"pull-image-on-create"`
	DisablePullOnRun  bool   `json:"disable-pull-on-run"`
	MaxRetries        int    `json:"max-retries"`

	unknown []string // keys crictl does not know
}

// endpoints is the outcome of endpoint precedence, with the source named
// for --debug.
type endpoints struct {
	Runtime, runtimeSource string
	Image, imageSource     string
	timeout                time.Duration
	debug                  bool
	maxRetries             int
}

// LoadConfig is crictl's config file, read once per run (Session.Config).
func LoadConfig(cmd *cli.Command) (*CrictlConfig, string, error) {
	return SessionOf(cmd).Config(cmd)
}

// loadConfig reads crictl's config file: silent when the default file is
// absent, an error when a named file cannot be read or parsed.
func (s *Session) loadConfig(cmd *cli.Command) (*CrictlConfig, string, error) {
	cmd = CriCommand(cmd)
	path, explicit := s.configFile(), false
	if cmd.IsSet("config") {
		path, explicit = cmd.String("config"), true
	} else if v := os.Getenv("CRI_CONFIG_FILE"); v != "" {
		path, explicit = v, true
	}
	data, err := os.ReadFile(path)
	if !explicit && errors.Is(err, fs.ErrNotExist) {
		// As crictl: a crictl.yaml beside the binary (the real one, not the
		// crictl symlink) serves when the default file is absent.
		exe, xerr := s.executable()
		if xerr != nil {
			return nil, path, nil
		}
		path = filepath.Join(filepath.Dir(exe), "crictl.yaml")
		if data, err = os.ReadFile(path); errors.Is(err, fs.ErrNotExist) {
			return nil, path, nil
		}
	}
	if err != nil {
		return nil, path, &UsageError{Err: fmt.Errorf("read config %s: %w", path, errors.Unwrap(err))}
	}
	var cfg CrictlConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, path, &UsageError{Err: fmt.Errorf("parse config %s: %v", path, err)}
	}
	cfg.unknown = unknownConfigKeys(data)
	return &cfg, path, nil
}

// unknownConfigKeys lists the top-level keys crictl does not know (a typo
// such as runtime_endpoint would otherwise silently mean the default
// socket), as `"KEY" (line N)`.
func unknownConfigKeys(data []byte) []string {
	var doc yaml3.Node
	if yaml3.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml3.MappingNode {
		return nil
	}
	var out []string
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if _, err := FindConfigKey(m.Content[i].Value); err != nil {
			out = append(out, fmt.Sprintf("%q (line %d)", m.Content[i].Value, m.Content[i].Line))
		}
	}
	return out
}

// checkUnknownConfigKeys: crictl refuses a config file with a key it does
// not know; ctr cri does too (a usage error naming file, line and key),
// while the crictl personality warns and goes on, so that a key from a
// newer crictl cannot lock the operator out (F27).
func checkUnknownConfigKeys(cmd *cli.Command, cfg *CrictlConfig, path string) error {
	if cfg == nil || len(cfg.unknown) == 0 {
		return nil
	}
	what := fmt.Sprintf("config %s: unknown key %s; keys are %s", path, strings.Join(cfg.unknown, ", "), strings.Join(ConfigKeyNames(), ", "))
	if PersonalityOf(cmd).WarnUnknownConfig {
		fmt.Fprintf(Stderr(cmd), "crictl: warning: %s (ignored)\n", printer.Escape(what))
		return nil
	}
	return UsageErrorf("%s", what)
}

// ResolveEndpoints applies the documented precedence, flags before the
// environment before files: -r/-i, then ctr --address given on the command
// Line, then CONTAINER_RUNTIME_ENDPOINT/IMAGE_SERVICE_ENDPOINT, then
// CONTAINERD_ADDRESS, then crictl's config file, then containerd's default
// socket. An empty variable counts as unset.
func ResolveEndpoints(cmd *cli.Command) (*endpoints, error) {
	cfg, cfgPath, err := LoadConfig(cmd)
	if err != nil {
		return nil, err
	}
	if err := checkUnknownConfigKeys(cmd, cfg, cfgPath); err != nil {
		return nil, err
	}
	root := cmd.Root()
	cmd = CriCommand(cmd)
	ep := &endpoints{timeout: cmd.Duration("timeout"), debug: cmd.Bool("debug")}
	addr, addrFromEnv := ctrAddress(root, cmd)
	switch {
	case cmd.IsSet("runtime-endpoint"):
		ep.Runtime, ep.runtimeSource = cmd.String("runtime-endpoint"), "--runtime-endpoint"
	case addr != "" && !addrFromEnv:
		ep.Runtime, ep.runtimeSource = addr, "ctr --address"
	case os.Getenv("CONTAINER_RUNTIME_ENDPOINT") != "":
		ep.Runtime, ep.runtimeSource = os.Getenv("CONTAINER_RUNTIME_ENDPOINT"), "CONTAINER_RUNTIME_ENDPOINT"
	case addr != "":
		ep.Runtime, ep.runtimeSource = addr, "CONTAINERD_ADDRESS"
	case cfg != nil && cfg.RuntimeEndpoint != "":
		ep.Runtime, ep.runtimeSource = cfg.RuntimeEndpoint, "config "+cfgPath
	default:
		ep.Runtime, ep.runtimeSource = DefaultEndpoint, "default"
	}
	switch {
	case cmd.IsSet("image-endpoint"):
		ep.Image, ep.imageSource = cmd.String("image-endpoint"), "--image-endpoint"
	case ep.runtimeSource == "ctr --address":
		// ctr's one address names the socket for both services.
		ep.Image, ep.imageSource = ep.Runtime, "ctr --address"
	case os.Getenv("IMAGE_SERVICE_ENDPOINT") != "":
		ep.Image, ep.imageSource = os.Getenv("IMAGE_SERVICE_ENDPOINT"), "IMAGE_SERVICE_ENDPOINT"
	case cfg != nil && cfg.ImageEndpoint != "" && strings.HasPrefix(ep.runtimeSource, "config"):
		ep.Image, ep.imageSource = cfg.ImageEndpoint, "config "+cfgPath
	default:
		ep.Image, ep.imageSource = ep.Runtime, "runtime endpoint"
	}
	if ep.timeout < 0 {
		return nil, UsageErrorf("invalid --timeout %s: must not be negative (0 is the default, %s)", ep.timeout, runtime.DefaultTimeout)
	}
	if cfg != nil {
		if cfg.Timeout < 0 {
			return nil, UsageErrorf("%s: invalid timeout %d: must not be negative", cfgPath, cfg.Timeout)
		}
		if !cmd.IsSet("timeout") && cfg.Timeout > 0 {
			ep.timeout = time.Duration(cfg.Timeout) * time.Second
		}
		ep.debug = ep.debug || cfg.Debug
	}
	// As crictl: the flag, else the config file's value (absent: 0), else the
	// flag's default; only an endpoint someone chose is worth waiting for.
	ep.maxRetries = cmd.Int(FlagMaxRetries)
	if !cmd.IsSet(FlagMaxRetries) && cfg != nil {
		ep.maxRetries = cfg.MaxRetries
	}
	if ep.runtimeSource == "default" {
		ep.maxRetries = 0
	}
	return ep, nil
}

// ctrAddress is ctr's --address when it was given (on the command line, or
// through CONTAINERD_ADDRESS: fromEnv), "" when ctr was left at its default
// or the personality has no ctr.
func ctrAddress(root, cri *cli.Command) (addr string, fromEnv bool) {
	if root == cri || !HasFlag(root, "address") || !root.IsSet("address") {
		return "", false
	}
	for _, f := range root.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "address" {
			for _, src := range sf.Sources.Chain {
				if e, ok := src.(*trackedEnv); ok && e.used {
					fromEnv = true
				}
			}
		}
	}
	return root.String("address"), fromEnv
}

// WatchAddressEnv makes CONTAINERD_ADDRESS a trackedEnv source of ctr's
// --address, so that the endpoint logic can tell the variable from the flag
// (urfave only says "set"), and so that an empty variable counts as unset.
func WatchAddressEnv(root *cli.Command) {
	for _, f := range root.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "address" {
			sf.Sources = cli.NewValueSourceChain(&trackedEnv{key: "CONTAINERD_ADDRESS", emptyUnset: true})
		}
	}
}

// CriCommand is the command that defines ctr cri's global flags (`cri`, or
// the root in the crictl personality). Their values must be read there:
// a subcommand with a flag of the same name (exec --timeout, stop -t, ps -r)
// would otherwise answer with its own.
func CriCommand(cmd *cli.Command) *cli.Command {
	for _, c := range cmd.Lineage() {
		if HasFlag(c, "runtime-endpoint") {
			return c
		}
	}
	return cmd
}

// HasFlag reports whether cmd itself defines a flag called name (global-flag
// proxies do not count).
func HasFlag(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		if urfavex.IsProxy(f) {
			continue
		}
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// WithClient resolves the endpoint, builds a client (no I/O yet) and runs fn
// under ctr's global --timeout, if any.
func WithClient(ctx context.Context, cmd *cli.Command, fn func(context.Context, *runtime.Client) error) error {
	ep, err := ResolveEndpoints(cmd)
	if err != nil {
		return err
	}
	root := cmd.Root()
	opts := runtime.Options{RuntimeEndpoint: ep.Runtime, ImageEndpoint: ep.Image, Timeout: ep.timeout}
	opts.MaxRetries = ep.maxRetries
	opts.StatsHandler = rpcTracing(ctx)
	if h := PersonalityOf(cmd).Hints; h != nil {
		opts.Hints = *h
	}
	if root != cmd && HasFlag(root, "connect-timeout") {
		opts.ConnectTimeout = root.Duration("connect-timeout")
	}
	errw := Stderr(cmd)
	if errw == nil {
		errw = os.Stderr
	}
	if ep.debug {
		fmt.Fprintf(errw, "DEBUG: runtime endpoint %s (from %s), image endpoint %s (from %s), timeout %s\n",
			ep.Runtime, ep.runtimeSource, ep.Image, ep.imageSource, opts.Timeout)
		opts.Trace = traceTo(errw)
	}
	c, err := runtime.New(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	// ctr's --timeout is a deadline on the whole command, by ctr's design.
	// Under the crictl name the root is the cri command itself, whose
	// --timeout is crictl's per-RPC limit and must never end a stream.
	if root != CriCommand(cmd) && HasFlag(root, "timeout") {
		if d := root.Duration("timeout"); d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
			ctx = runtime.WithDeadlineName(ctx, "ctr --timeout "+d.String())
		}
	}
	return fn(ctx, c)
}

// traceTo prints one line per RPC. Credentials never reach it: auth fields
// are cleared from a copy of the request first.
func traceTo(w io.Writer) runtime.TraceFunc {
	const maxLen = 4096
	short := func(v any) string {
		m, ok := v.(proto.Message)
		if !ok || m == nil {
			return ""
		}
		s := prototext.MarshalOptions{}.Format(redact(m))
		if len(s) > maxLen {
			s = s[:maxLen] + "…"
		}
		return s
	}
	var mu sync.Mutex // list calls run concurrently
	return func(method string, req, resp any, err error, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			fmt.Fprintf(w, "DEBUG: %s %s request={%s} error=%v\n", method, took.Round(time.Microsecond), short(req), err)
			return
		}
		fmt.Fprintf(w, "DEBUG: %s %s request={%s} response={%s}\n", method, took.Round(time.Microsecond), short(req), short(resp))
	}
}

func redact(m proto.Message) proto.Message {
	if r, ok := m.(*runtimeapi.PullImageRequest); ok && r.Auth != nil {
		c := proto.Clone(r).(*runtimeapi.PullImageRequest)
		c.Auth = &runtimeapi.AuthConfig{Username: c.Auth.Username, Password: "<redacted>", Auth: "<redacted>", IdentityToken: "<redacted>", RegistryToken: "<redacted>"}
		return c
	}
	return m
}
