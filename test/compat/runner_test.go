package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// fixKind says what node state an invocation needs and whether it may
// change it.
type fixKind int

const (
	// fixShared: read-only; both binaries see the one shared fixture.
	fixShared fixKind = iota
	// fixFresh: changes only its own objects; each binary gets a fresh
	// identical pod (own namespace) made just for it.
	fixFresh
	// fixNode: changes the whole node (-a forms, rmi); run one at a time,
	// each binary on a node reset to the same pods and images.
	fixNode
	// fixEmpty: like fixNode, on a node with no pods at all.
	fixEmpty
	// fixNodeRead, fixEmptyRead: read-only (or a no-op there) on the node
	// state of fixNode / fixEmpty, set up once and shared.
	fixNodeRead
	fixEmptyRead
)

// Inv is one invocation of the corpus, run with both binaries.
type Inv struct {
	ID   string
	Args []string // placeholders {P} {R} … are filled from the fixture
	Fix  fixKind
	// Files are written into the run directory (the working directory)
	// first; Check names the ones compared after the run.
	Files map[string]string
	Check []string
	Stdin string
	// Env adds variables; "NAME=" alone removes NAME.
	Env []string
	// Kill ends a command still running after this long (streams);
	// still running then is the expected outcome for crictl.
	Kill time.Duration
	// Help: compare as help text (NAME, USAGE, crictl's flags present).
	Help bool
	// Volatile normalises sizes and decimals too (live counters).
	Volatile bool
	// ExeDir runs copies of both binaries that have a crictl.yaml naming
	// the node next to them, and no endpoint in the environment.
	ExeDir bool
	// Racy: what stdout holds depends on timing (events arriving while a
	// stream is open), so only the exit and stderr are compared.
	Racy bool
}

// Result is what one binary did.
type Result struct {
	Code    int  // exit code
	Running bool // still running at Inv.Kill, then killed
	Stdout  string
	Stderr  string
	Files   map[string]string
	Dir     string // run directory, normalised away
	Took    time.Duration
}

func (r Result) exit() string {
	if r.Running {
		return "still running (killed)"
	}
	return fmt.Sprintf("exit %d", r.Code)
}

// runTimeout bounds one invocation that is not expected to stream.
const runTimeout = 90 * time.Second

// env is the environment both binaries get: the test's minus anything that
// could pick another runtime, plus the node's endpoint in the variable and
// in a config file with timeout: 20.
func env(home string, extra []string) []string {
	drop := []string{"CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE", "CONTAINER_RUNTIME_ENDPOINT", "IMAGE_SERVICE_ENDPOINT", "CRI_CONFIG_FILE", "HOME", "NO_COLOR"}
	vars := map[string]string{}
	for _, e := range os.Environ() {
		k, v, _ := strings.Cut(e, "=")
		vars[k] = v
	}
	for _, d := range drop {
		delete(vars, d)
	}
	vars["HOME"] = home
	vars["CONTAINER_RUNTIME_ENDPOINT"] = "unix://" + node.Socket
	vars["CRI_CONFIG_FILE"] = cfgFile
	for _, e := range extra {
		k, v, ok := strings.Cut(e, "=")
		if ok && v == "" {
			delete(vars, k)
		} else {
			vars[k] = v
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// runOne runs inv with bin ("ref" or "ours") on fixture fx.
func runOne(inv Inv, who, bin string, fx *Fixture) (Result, error) {
	dir := filepath.Join(scratch, who, strings.NewReplacer("/", "_", " ", "_").Replace(inv.ID))
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o755); err != nil {
		return Result{}, err
	}
	for name, content := range inv.Files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Result{}, err
		}
		if err := os.WriteFile(p, []byte(fx.fill(strings.ReplaceAll(content, "{DIR}", dir))), 0o644); err != nil {
			return Result{}, err
		}
	}
	args := make([]string, len(inv.Args))
	for i, a := range inv.Args {
		args[i] = fx.fill(strings.ReplaceAll(a, "{DIR}", dir))
	}
	timeout := runTimeout
	if inv.Kill > 0 {
		timeout = inv.Kill
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if inv.ExeDir {
		bin = exeDirBins[who]
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	// SIGTERM first, as an operator's ^C would; crictl attach ignores it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 3 * time.Second
	cmd.Dir = dir
	extra := make([]string, len(inv.Env))
	for i, e := range inv.Env {
		extra[i] = fx.fill(strings.ReplaceAll(e, "{DIR}", dir))
	}
	if inv.ExeDir {
		extra = append(extra, "CONTAINER_RUNTIME_ENDPOINT=", "CRI_CONFIG_FILE=")
	}
	cmd.Env = env(filepath.Join(dir, "home"), extra)
	cmd.Stdin = strings.NewReader(inv.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Dir: dir, Took: time.Since(t0)}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Running = true
	case err == nil:
	case errors.As(err, &exitErr):
		r.Code = exitErr.ExitCode()
	default:
		return r, fmt.Errorf("%s %s: %v", who, strings.Join(args, " "), err)
	}
	if inv.Kill == 0 && r.Running {
		return r, fmt.Errorf("%s %s: still running after %s", who, strings.Join(args, " "), timeout)
	}
	for _, name := range inv.Check {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			data = []byte("<" + errors.Unwrap(err).Error() + ">")
		}
		if r.Files == nil {
			r.Files = map[string]string{}
		}
		r.Files[name] = string(data)
	}
	return r, nil
}

// exeDirBins are copies of crictl and ctr (named crictl) in directories of
// their own, each with a crictl.yaml: crictl reads <dir of the executable>/
// crictl.yaml when /etc/crictl.yaml is absent. A copy, because a symlink's
// executable is its target.
var exeDirBins = map[string]string{}

func makeExeDirs() error {
	for who, src := range map[string]string{"ref": refBin, "ours": ctrBin} {
		dir := filepath.Join(scratch, "exedir-"+who)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		bin := filepath.Join(dir, "crictl")
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			return err
		}
		cfg := fmt.Sprintf("runtime-endpoint: unix://%s\ntimeout: 20\n", node.Socket)
		if err := os.WriteFile(filepath.Join(dir, "crictl.yaml"), []byte(cfg), 0o644); err != nil {
			return err
		}
		exeDirBins[who] = bin
	}
	return nil
}
