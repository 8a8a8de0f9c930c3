package cluster

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// envInside tells the test binary it is the cluster's process, started by
// TestCluster in the cluster's namespaces; its value is the cluster dir.
const envInside = "CTRCRI_CLUSTER_DIR"

// TestCluster is the operator's session on a real one-node cluster (issue
// 16). On the host it creates the network namespace and the cluster dir,
// runs itself again inside that namespace and a private mount namespace
// (the session proper: session_test.go), then checks that nothing of the
// cluster is left: no process, mount, cgroup, network namespace or bridge.
func TestCluster(t *testing.T) {
	if dir := os.Getenv(envInside); dir != "" {
		inside(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root (namespaces, mounts, containerd, kubelet)")
	}
	if _, err := FindBins(); err != nil {
		skipOrFail(t, err.Error())
	}
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devnode.FindBuild(repo); err != nil {
		skipOrFail(t, err.Error())
	}
	if _, err := os.Stat(filepath.Join(repo, "_build", "images", "ctrcri.tar")); err != nil {
		skipOrFail(t, "no product image: run make image")
	}

	dir, err := os.MkdirTemp("/tmp", "ctrcri-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	ns := filepath.Base(dir)
	start := time.Now()
	if err := run("ip", "netns", "add", ns); err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	netIno, _ := nsInode("/run/netns/" + ns)

	// The child sees the host's mounts as they are now, privately: its
	// own mounts never reach the host. It joins the network namespace
	// through nsenter (Go's exec cannot setns).
	args := []string{"--net=/run/netns/" + ns, "--", os.Args[0], "-test.run=^TestCluster$", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).Round(time.Second).String())
	}
	child := exec.Command("nsenter", args...)
	child.Env = append(os.Environ(), envInside+"="+dir)
	child.Stdout, child.Stderr = os.Stdout, os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	// ^C reaches the child too (same process group): it stops the
	// cluster; this side waits for it and still removes the namespace.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	mntIno, _ := nsInode(fmt.Sprintf("/proc/%d/ns/mnt", child.Process.Pid))
	childErr := child.Wait()

	// Teardown, as seen from the host: the child stopped everything it
	// started; the namespace goes now.
	teardown := time.Now()
	var nodeDir string
	if b, err := os.ReadFile(filepath.Join(dir, "node-dir")); err == nil {
		nodeDir = strings.TrimSpace(string(b))
	}
	if err := run("ip", "netns", "delete", ns); err != nil {
		t.Error(err)
	}
	if left := leftovers(dir, nodeDir, netIno, mntIno, ns); len(left) > 0 {
		for _, l := range left {
			t.Errorf("left behind: %s", l)
		}
		// A failure, and still cleaned up: the next run and the machine's
		// other users must not inherit it.
		// Not devnode.Teardown: the node's bridge name is one of the
		// namespace's, and on the host it may be another node's.
		for _, pid := range leftPIDs(left) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(time.Second)
		for _, l := range left {
			if cg, ok := strings.CutPrefix(l, "cgroup "); ok {
				removeCgroupTree(cg)
			}
		}
		if _, err := os.Stat(filepath.Join(nodeDir, ".ctrcri-devnode")); nodeDir != "" && err == nil {
			os.RemoveAll(nodeDir)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("remove %s: %v", dir, err)
	}
	t.Logf("phase %-28s %6.1fs", "teardown (host: netns, checks)", time.Since(teardown).Seconds())
	t.Logf("phase %-28s %6.1fs", "whole session", time.Since(start).Seconds())
	if childErr != nil {
		t.Fatalf("the session in the cluster's namespaces failed (%v): see its output above", childErr)
	}
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if devnode.Required() {
		t.Fatalf("%s (%s=required)", why, devnode.EnvE2E)
	}
	t.Skip(why)
}

// nsInode returns the namespace a /proc/PID/ns/* link or an nsfs mount
// (/run/netns/NAME) refers to, as "net:[INODE]"-like text's inode.
func nsInode(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// leftovers lists what of the cluster still exists on the host: processes
// in its network or mount namespace, in its pods' cgroups or running from
// its directories,
// mounts under those directories, the network namespace, the node's cgroup
// subtree. With no process in the network namespace and its name gone, the
// kernel frees it, and with it every link (the CNI bridge, the veths) it held.
func leftovers(dir, nodeDir string, netIno, mntIno uint64, ns string) []string {
	var out []string
	dirs := []string{dir}
	if nodeDir != "" {
		dirs = append(dirs, nodeDir)
	}
	cgroupRoot := ""
	if nodeDir != "" {
		cgroupRoot = "/ctrcri-" + filepath.Base(nodeDir) + "/"
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		if pid == self {
			continue
		}
		net, _ := nsInode(p + "/ns/net")
		mnt, _ := nsInode(p + "/ns/mnt")
		cmdline, _ := os.ReadFile(p + "/cmdline")
		args := strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")
		inDir := false
		for _, d := range dirs {
			inDir = inDir || strings.Contains(args, d+"/") || strings.Contains(args, d+" ") || strings.HasSuffix(args, d)
		}
		// A container has namespaces of its own: it is found by its cgroup.
		cg, _ := os.ReadFile(p + "/cgroup")
		inCgroup := cgroupRoot != "" && strings.Contains(string(cg), ":"+cgroupRoot)
		if (netIno != 0 && net == netIno) || (mntIno != 0 && mnt == mntIno) || inDir || inCgroup {
			out = append(out, fmt.Sprintf("process %d: %s", pid, args))
		}
	}
	if f, err := os.Open("/proc/self/mountinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 5 {
				continue
			}
			for _, d := range dirs {
				if fields[4] == d || strings.HasPrefix(fields[4], d+"/") {
					out = append(out, "mount "+fields[4])
				}
			}
			if fields[4] == "/run/netns/"+ns {
				out = append(out, "mount "+fields[4])
			}
		}
		f.Close()
	}
	if _, err := os.Stat("/run/netns/" + ns); err == nil {
		out = append(out, "network namespace "+ns)
	}
	if nodeDir != "" {
		root := "/ctrcri-" + filepath.Base(nodeDir)
		cgs, _ := filepath.Glob("/sys/fs/cgroup/*" + root)
		for _, cg := range cgs {
			out = append(out, "cgroup "+cg)
		}
		if _, err := os.Stat(nodeDir); err == nil {
			out = append(out, "dev node dir "+nodeDir)
		}
	}
	return out
}

// leftPIDs picks the process IDs out of leftovers' "process PID: …" lines.
func leftPIDs(left []string) []int {
	var pids []int
	for _, l := range left {
		var pid int
		if _, err := fmt.Sscanf(l, "process %d:", &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// removeCgroupTree removes a cgroup directory and its children, deepest
// first (a cgroup is removed with rmdir, never with its files).
func removeCgroupTree(top string) {
	var dirs []string
	_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = syscall.Rmdir(dirs[i])
	}
}
