// Package devnode runs a private containerd with its in-process CRI plugin
// for tests and demos: built from the versions pinned in go.mod (`make
// tools`), started with its own root, state, sockets, CNI bridge and subnet
// under one directory, so several nodes and a system containerd coexist.
//
// Start needs root, overlayfs and what `make tools images` left in _build.
package devnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/images"
)

// Namespace is the containerd namespace the CRI plugin uses.
const Namespace = "k8s.io"

// EnvE2E set to "required" makes a node that cannot start a test failure
// instead of a skip (make test and CI set it).
const EnvE2E = "CTRCRI_E2E"

// Required reports whether CTRCRI_E2E=required is set.
func Required() bool { return os.Getenv(EnvE2E) == "required" }

// Options configure Start.
type Options struct {
	// Dir is the node directory. Empty means a new directory under /tmp,
	// removed by Stop. A fixed Dir (the demo node) is reused: a healthy node
	// there is attached to, anything else there is torn down first.
	Dir string
	// Repo is the repository root holding _build; empty means RepoRoot().
	Repo string
	// Archives are extra image archives imported after pause and busybox.
	Archives []string
	// Timeout bounds the wait for the CRI to report ready (default 60s).
	Timeout time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Containerd, when set, runs that containerd build instead of the one
	// `make tools` built from the go.mod pin; runc and the CNI plugins
	// still come from _build. The matrix tests older releases this way.
	Containerd *Containerd
}

// Containerd is a containerd build: the containerd and
// containerd-shim-runc-v2 binaries in BinDir, of release Version
// (v1.7.35, v2.0.14, …), which picks the config dialect.
type Containerd struct {
	Version string
	BinDir  string
}

// Node is a running dev node. Its exported fields are also what node.json
// in Dir records, so `devnode down` in another process finds everything.
type Node struct {
	Dir     string // node directory
	Socket  string // containerd gRPC socket, which also serves CRI v1
	PID     int    // containerd
	Slot    int    // picks Bridge, Network and Subnet
	Bridge  string // CNI bridge device
	Network string // CNI network name
	Subnet  string // pod IPs
	// CgroupRoot is the cgroupfs parent of every pod made through the
	// helpers (CgroupParent); Stop removes it.
	CgroupRoot string
	// Owner is the PID of the process that started an ephemeral node; when
	// it is gone the node is an orphan a later Start may reap. Zero for
	// nodes meant to outlive their starter (`devnode up`).
	Owner int
	// Containerd is the release running when it is not the go.mod pin
	// (Options.Containerd); empty otherwise.
	Containerd string `json:",omitempty"`
	// MadeRunDir records that this node's containerd was to create
	// /run/containerd, where releases before 2.3 put shim sockets
	// whatever the config says: Stop removes it again once it is empty.
	MadeRunDir bool `json:",omitempty"`

	repo  string
	cmd   *exec.Cmd     // set in the process that started containerd
	exit  chan struct{} // closed when cmd has been waited for
	conn  *grpc.ClientConn
	owned bool // Dir was created by Start, not given
}

// Start starts a node and returns once CRI reports the runtime and network
// ready and the test images are listed by the CRI image service.
func Start(ctx context.Context, opts Options) (*Node, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("devnode: needs root (containerd, mounts, cgroups, network)")
	}
	repo := opts.Repo
	if repo == "" {
		var err error
		if repo, err = RepoRoot(); err != nil {
			return nil, err
		}
	}
	b, err := FindBuild(repo)
	if err != nil {
		return nil, err
	}
	if c := opts.Containerd; c != nil {
		if b, err = b.WithContainerd(c.BinDir); err != nil {
			return nil, err
		}
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}

	n := &Node{repo: repo}
	if opts.Containerd != nil {
		n.Containerd = opts.Containerd.Version
		if _, err := os.Stat(sharedRunDir); errors.Is(err, os.ErrNotExist) {
			n.MadeRunDir = true
		}
	}
	if opts.Dir == "" {
		reapOrphans(logf)
		d, err := os.MkdirTemp("/tmp", "ctrcri-")
		if err != nil {
			return nil, err
		}
		n.Dir, n.owned, n.Owner = d, true, os.Getpid()
	} else {
		if n.Dir, err = filepath.Abs(opts.Dir); err != nil {
			return nil, err
		}
		if len(n.Dir) > maxDirLen {
			return nil, fmt.Errorf("devnode: dir %s is longer than %d bytes, too long for its unix sockets", n.Dir, maxDirLen)
		}
		if old, err := Attach(n.Dir); err == nil {
			if old.healthy(ctx) == nil {
				logf("devnode: reusing the node running in %s", n.Dir)
				return old, nil
			}
			old.Close()
		}
		if err := Teardown(n.Dir); err != nil {
			return nil, fmt.Errorf("devnode: clearing %s: %w", n.Dir, err)
		}
		if err := os.MkdirAll(n.Dir, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(n.Dir, markerFile), nil, 0o644); err != nil {
		n.cleanupFailed()
		return nil, err
	}
	n.Socket = filepath.Join(n.Dir, socketFile)
	n.CgroupRoot = "/ctrcri-" + filepath.Base(n.Dir)

	if err := n.start(ctx, b, opts, logf); err != nil {
		if tail := n.LogTail(20); tail != "" {
			// Quoted because Stop removes the node dir, log included.
			err = fmt.Errorf("%w\n--- last lines of containerd.log ---\n%s", err, tail)
		}
		n.stopFailed()
		return nil, err
	}
	return n, nil
}

func (n *Node) start(ctx context.Context, b Build, opts Options, logf func(string, ...any)) error {
	slot, err := claimSlot()
	if err != nil {
		return err
	}
	n.Slot = slot
	n.Bridge, n.Network, n.Subnet = slotNames(slot)
	// Record what exists so far: a teardown after a failure finds it.
	if err := n.save(); err != nil {
		return err
	}
	for _, d := range []string{"root", "state", "tmp", "opt", "s", "cni-ipam", "certs.d", "pods"} {
		if err := os.MkdirAll(filepath.Join(n.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(n.Dir, configFile), n.containerdConfig(b), 0o644); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(n.Dir, "cni", "10-"+n.Network+".conflist"), n.cniConfig(), 0o644); err != nil {
		return err
	}

	logFile, err := os.OpenFile(filepath.Join(n.Dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(b.Containerd(), "--config", filepath.Join(n.Dir, configFile))
	cmd.Dir = n.Dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The shim comes from the containerd's own dir and runc from _build/bin,
	// ahead of anything installed.
	cmd.Env = append(withoutEnv(os.Environ(), "PATH", "CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE"),
		"PATH="+strings.Join([]string{b.ContainerdDir, b.BinDir, os.Getenv("PATH")}, string(os.PathListSeparator)),
		"TMPDIR="+filepath.Join(n.Dir, "tmp"))
	// Its own session: no terminal signal (^C in `make up`) reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	keepInheritedFDsOut()
	logf("devnode: starting containerd in %s", n.Dir)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("devnode: start containerd: %w", err)
	}
	n.cmd, n.PID, n.exit = cmd, cmd.Process.Pid, make(chan struct{})
	go func() { _ = cmd.Wait(); close(n.exit) }()
	if err := n.save(); err != nil {
		return err
	}

	if err := n.waitReady(ctx, opts.Timeout); err != nil {
		return err
	}
	archives := []string{filepath.Join(b.Images, images.PauseArchive), filepath.Join(b.Images, images.BusyboxArchive)}
	archives = append(archives, opts.Archives...)
	for _, a := range archives {
		refs, err := n.Import(ctx, a)
		if err != nil {
			return err
		}
		logf("devnode: imported %s", strings.Join(refs, ", "))
	}
	env := "export CONTAINERD_ADDRESS=" + n.Socket + "\n"
	return writeFile(filepath.Join(n.Dir, envFile), env, 0o644)
}

// waitReady polls CRI Status until RuntimeReady and NetworkReady hold.
func (n *Node) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := errors.New("no answer yet")
	for {
		select {
		case <-n.exit:
			return fmt.Errorf("devnode: containerd exited during startup (%s)", n.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("devnode: CRI not ready on %s after %s: %v", n.Socket, timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := os.Stat(n.Socket); err != nil {
			last = fmt.Errorf("socket not created yet")
			continue
		}
		if last = n.healthy(ctx); last == nil {
			return nil
		}
	}
}

// healthy asks CRI Status whether the runtime and the network are ready.
func (n *Node) healthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rt, err := n.RuntimeClient()
	if err != nil {
		return err
	}
	st, err := rt.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return err
	}
	var notReady []string
	for _, want := range []string{runtimeapi.RuntimeReady, runtimeapi.NetworkReady} {
		ok := false
		for _, c := range st.GetStatus().GetConditions() {
			if c.Type == want {
				if ok = c.Status; !ok {
					notReady = append(notReady, fmt.Sprintf("%s=false (%s: %s)", want, c.Reason, c.Message))
				}
			}
		}
		if !ok && len(notReady) == 0 {
			notReady = append(notReady, want+" missing")
		}
	}
	if len(notReady) > 0 {
		return errors.New(strings.Join(notReady, "; "))
	}
	return nil
}

// Attach returns the node recorded in dir/node.json, whoever started it.
func Attach(dir string) (*Node, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	n := &Node{}
	if err := json.Unmarshal(b, n); err != nil {
		return nil, fmt.Errorf("devnode: %s: %w", filepath.Join(dir, stateFile), err)
	}
	n.Dir = dir
	if n.repo, err = RepoRoot(); err != nil {
		n.repo = ""
	}
	return n, nil
}

func (n *Node) save() error {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(n.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(n.Dir, stateFile))
}

// Conn returns the node's one gRPC connection, dialled on first use.
func (n *Node) Conn() (*grpc.ClientConn, error) {
	if n.conn != nil {
		return n.conn, nil
	}
	conn, err := grpc.NewClient("unix://"+n.Socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("devnode: dial %s: %w", n.Socket, err)
	}
	n.conn = conn
	return conn, nil
}

// RuntimeClient returns a CRI runtime service client for the node.
func (n *Node) RuntimeClient() (runtimeapi.RuntimeServiceClient, error) {
	conn, err := n.Conn()
	if err != nil {
		return nil, err
	}
	return runtimeapi.NewRuntimeServiceClient(conn), nil
}

// ImageClient returns a CRI image service client for the node.
func (n *Node) ImageClient() (runtimeapi.ImageServiceClient, error) {
	conn, err := n.Conn()
	if err != nil {
		return nil, err
	}
	return runtimeapi.NewImageServiceClient(conn), nil
}

// Close drops the node's gRPC connection; the node keeps running.
func (n *Node) Close() {
	if n.conn != nil {
		n.conn.Close()
		n.conn = nil
	}
}

// Env returns the environment a client of this node needs, the lines of
// Dir/env: CONTAINERD_ADDRESS=<socket>.
func (n *Node) Env() []string { return []string{"CONTAINERD_ADDRESS=" + n.Socket} }

// CertsDir is the registry hosts dir (config_path) of both the CRI image
// service and the transfer service: put <host>/hosts.toml there.
func (n *Node) CertsDir() string { return filepath.Join(n.Dir, "certs.d") }

// LogPath is containerd's log file.
func (n *Node) LogPath() string { return filepath.Join(n.Dir, logFile) }

// LogTail returns the last lines of containerd's log, for error messages.
func (n *Node) LogTail(lines int) string {
	b, err := os.ReadFile(n.LogPath())
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// stopFailed tears down a node whose start failed, keeping the first error.
func (n *Node) stopFailed() { _ = n.Stop() }

// cleanupFailed removes a dir Start created before anything ran in it.
func (n *Node) cleanupFailed() {
	if n.owned {
		os.RemoveAll(n.Dir)
	}
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
next:
	for _, e := range env {
		for _, name := range names {
			if strings.HasPrefix(e, name+"=") {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// keepInheritedFDsOut marks every descriptor this process inherited beyond
// stdio close-on-exec, so that containerd does not carry it for its whole
// life: started under `flock LOCK make test`, a node once kept the machine's
// heavy-work lock held long after make had finished.
func keepInheritedFDsOut() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
