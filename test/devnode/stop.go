package devnode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// markerFile marks a directory as a node dir: Teardown refuses to delete a
// non-empty directory without it.
const markerFile = ".ctrcri-devnode"

// Stop removes every pod through CRI, stops containerd (SIGTERM, SIGKILL
// after a grace period), kills the node's leftover shims and container
// processes, unmounts everything under Dir, deletes the node's bridge, CNI
// cache entries and cgroups, and removes Dir. It carries on past failures
// and returns them joined. Calling it again is harmless.
func (n *Node) Stop() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(n.removePods())
	n.Close()
	add(n.stopContainerd())
	add(killLeftovers(n.Dir, n.Socket, n.CgroupRoot))
	add(unmountUnder(n.Dir))
	add(n.removeNetwork())
	add(removeCgroups(n.CgroupRoot))
	if err := os.RemoveAll(n.Dir); err != nil {
		add(fmt.Errorf("devnode: remove %s: %w", n.Dir, err))
	}
	if n.MadeRunDir {
		// Only once empty: another node may still have shims there.
		_ = os.Remove(filepath.Join(sharedRunDir, "s"))
		_ = os.Remove(sharedRunDir)
	}
	return errors.Join(errs...)
}

// sharedRunDir is containerd's default state dir; releases before 2.3 put
// shim sockets in its s/ whatever the config says.
const sharedRunDir = "/run/containerd"

// Teardown stops the node in dir, as recorded in its node.json or, when a
// start died before writing it, as found in /proc and the mount table, and
// removes dir. A missing dir is fine; a non-empty dir that is not a node dir
// is refused, so a mistyped --dir cannot delete anything else.
func Teardown(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil && len(entries) > 0 {
		return fmt.Errorf("devnode: %s is not a dev node dir (no %s); not touching it", dir, markerFile)
	}
	n, err := Attach(dir)
	if err != nil {
		n = &Node{Dir: dir, Socket: filepath.Join(dir, socketFile)}
	}
	return n.Stop()
}

// removePods stops and removes every pod (and so every container) through
// CRI, which also tears down their networks through CNI.
func (n *Node) removePods() error {
	if !n.running() {
		return nil
	}
	rt, err := n.RuntimeClient()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("devnode: list pods: %w", err)
	}
	var errs []error
	for _, p := range resp.Items {
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			errs = append(errs, fmt.Errorf("devnode: stop pod %s: %w", p.Id, err))
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			errs = append(errs, fmt.Errorf("devnode: remove pod %s: %w", p.Id, err))
		}
	}
	return errors.Join(errs...)
}

// running reports whether this node's containerd is alive.
func (n *Node) running() bool {
	return n.PID != 0 && isNodeContainerd(n.PID, n.Dir)
}

// isNodeContainerd checks pid is still the containerd of dir and not a
// recycled PID.
func isNodeContainerd(pid int, dir string) bool {
	p, ok := readProc(pid)
	if !ok || p.zombie {
		return false
	}
	for _, a := range p.args {
		if a == filepath.Join(dir, configFile) {
			return true
		}
	}
	return false
}

func (n *Node) stopContainerd() error {
	if !n.running() {
		if n.exit != nil {
			<-n.exit
		}
		return nil
	}
	gone := func(d time.Duration) bool {
		deadline := time.After(d)
		for {
			if n.exit != nil {
				select {
				case <-n.exit:
					return true
				case <-deadline:
					return false
				}
			}
			if !isNodeContainerd(n.PID, n.Dir) {
				return true
			}
			select {
			case <-deadline:
				return false
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	_ = syscall.Kill(n.PID, syscall.SIGTERM)
	if gone(10 * time.Second) {
		return nil
	}
	_ = syscall.Kill(n.PID, syscall.SIGKILL)
	if gone(5 * time.Second) {
		return nil
	}
	return fmt.Errorf("devnode: containerd (pid %d) survived SIGKILL", n.PID)
}

type proc struct {
	pid, ppid int
	args      []string
	cgroups   []string // one path per hierarchy
	zombie    bool
}

func readProc(pid int) (proc, bool) {
	p := proc{pid: pid}
	base := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(base + "/stat")
	if err != nil {
		return p, false
	}
	// comm may hold spaces and parens: the fields follow the last ')'.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		f := strings.Fields(s[i+1:])
		if len(f) >= 2 {
			p.zombie = f[0] == "Z" || f[0] == "X"
			p.ppid, _ = strconv.Atoi(f[1])
		}
	}
	if cmd, err := os.ReadFile(base + "/cmdline"); err == nil {
		p.args = strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	}
	if cg, err := os.ReadFile(base + "/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
			if i := strings.LastIndexByte(line, ':'); i >= 0 {
				p.cgroups = append(p.cgroups, line[i+1:])
			}
		}
	}
	return p, true
}

func allProcs() []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && !p.zombie {
			ps = append(ps, p)
		}
	}
	return ps
}

// nodeBinaries are the programs a node runs besides its containers.
var nodeBinaries = map[string]bool{"containerd": true, "containerd-shim-runc-v2": true, "runc": true}

// nodeProcs finds the processes of a node whose containerd is gone: node
// binaries whose arguments name the socket (shims: -address) or a path in
// dir (runc --root, a containerd not yet recorded), processes in the node's
// pod cgroups, and all their descendants (a container's processes are
// children of its shim). /proc/PID/root cannot tell: a container's reads "/".
func nodeProcs(dir, socket, cgroupRoot string) []proc {
	self, parent := os.Getpid(), os.Getppid()
	ps := allProcs()
	marked := map[int]bool{}
	for _, p := range ps {
		if p.pid == self || p.pid == parent {
			continue
		}
		for _, cg := range p.cgroups {
			if cgroupRoot != "" && strings.HasPrefix(cg, cgroupRoot+"/") {
				marked[p.pid] = true
			}
		}
		if !nodeBinaries[filepath.Base(p.args[0])] {
			continue // a user's `tail -f <dir>/containerd.log` lives on
		}
		for _, a := range p.args {
			if a == socket || strings.HasPrefix(a, dir+"/") {
				marked[p.pid] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range ps {
			if !marked[p.pid] && marked[p.ppid] && p.pid != self {
				marked[p.pid], changed = true, true
			}
		}
	}
	var out []proc
	for _, p := range ps {
		if marked[p.pid] {
			out = append(out, p)
		}
	}
	return out
}

func killLeftovers(dir, socket, cgroupRoot string) error {
	if dir == "" {
		return nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := nodeProcs(dir, socket, cgroupRoot)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var s []string
			for _, p := range left {
				s = append(s, fmt.Sprintf("%d %s", p.pid, strings.Join(p.args, " ")))
			}
			return fmt.Errorf("devnode: processes survive SIGKILL: %s", strings.Join(s, "; "))
		}
		for _, p := range left {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type mount struct{ point, fstype string }

// mounts parses /proc/self/mountinfo.
func mounts() ([]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent major:minor root mountpoint opts [optional...] - fstype source superopts
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		m := mount{point: unescapeOctal(fields[4])}
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) {
				m.fstype = fields[i+1]
				break
			}
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// unescapeOctal undoes mountinfo's \040-style escapes of space, tab,
// newline and backslash.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountUnder unmounts every mount point below dir, deepest first, lazily
// when a plain unmount fails; stacked mounts take several rounds.
func unmountUnder(dir string) error {
	if dir == "" {
		return nil
	}
	var left []string
	for round := 0; round < 10; round++ {
		ms, err := mounts()
		if err != nil {
			return err
		}
		left = left[:0]
		for _, m := range ms {
			if strings.HasPrefix(m.point, dir+"/") {
				left = append(left, m.point)
			}
		}
		if len(left) == 0 {
			return nil
		}
		sort.Slice(left, func(i, j int) bool {
			di, dj := strings.Count(left[i], "/"), strings.Count(left[j], "/")
			if di != dj {
				return di > dj
			}
			return left[i] > left[j]
		})
		for _, p := range left {
			if err := unix.Unmount(p, 0); err != nil {
				_ = unix.Unmount(p, unix.MNT_DETACH)
			}
		}
	}
	return fmt.Errorf("devnode: still mounted under %s: %s", dir, strings.Join(left, " "))
}

// removeNetwork deletes the node's bridge (which frees its slot) and the
// CNI plugins' cached results for its network.
func (n *Node) removeNetwork() error {
	if n.Network != "" {
		cached, _ := filepath.Glob("/var/lib/cni/results/" + n.Network + "-*")
		for _, f := range cached {
			os.Remove(f)
		}
	}
	if n.Bridge == "" {
		return nil
	}
	link, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("devnode: find bridge %s: %w", n.Bridge, err)
	}
	if err := netlink.LinkDel(link); err != nil {
		return fmt.Errorf("devnode: delete bridge %s: %w", n.Bridge, err)
	}
	return nil
}

// removeCgroups removes the node's cgroup subtree from every hierarchy;
// runc removes a pod's own cgroup but leaves the parents we named.
func removeCgroups(root string) error {
	if !strings.HasPrefix(root, "/ctrcri-") {
		return nil // never walk anything we did not name
	}
	ms, err := mounts()
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range ms {
		if m.fstype != "cgroup" && m.fstype != "cgroup2" {
			continue
		}
		top := filepath.Join(m.point, root)
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- { // children before parents
			if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("devnode: remove cgroup %s: %w", dirs[i], err))
			}
		}
	}
	return errors.Join(errs...)
}
