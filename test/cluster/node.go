package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The cluster's network: one interface in the cluster's network namespace
// carries the node IP (a veth whose peer stays in the namespace too: this
// kernel has no dummy driver, CONFIG_DUMMY is not set); the API server,
// etcd and the controllers listen on loopback there, the kubelet on the
// node IP. Nothing is routed out of the namespace.
const (
	nodeIP     = "10.211.0.1"
	nodeLink   = "node0"
	serviceNet = "10.96.0.0/24"
	serviceIP  = "10.96.0.1" // the kubernetes Service, never dialled
	apiServer  = "https://127.0.0.1:6443"
	etcdURL    = "http://127.0.0.1:2379"
)

// run runs a helper command (ip, mount) and returns its error with its output.
func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// upNetwork brings up loopback and the node's interface in the network
// namespace this process runs in.
func upNetwork() error {
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", nodeLink, "type", "veth", "peer", "name", nodeLink + "-peer"},
		{"addr", "add", nodeIP + "/24", "dev", nodeLink},
		{"link", "set", nodeLink + "-peer", "up"},
		{"link", "set", nodeLink, "up"},
	} {
		if err := run("ip", args...); err != nil {
			return err
		}
	}
	return nil
}

// privateHost makes the node's default paths exist in this process's
// private mount namespace without creating anything on the host: /run,
// /var/lib and /var/log become overlays whose upper layers live in
// dir/overlay, so the kubelet and the manifests' hostPaths find
// /run/containerd, /var/lib/kubelet, /var/log/pods where a node has them,
// while the host's own files stay visible and untouched underneath.
func privateHost(dir string) error {
	for _, p := range []string{"/run", "/var/lib", "/var/log"} {
		base := filepath.Join(dir, "overlay", strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "-"))
		upper, work := filepath.Join(base, "upper"), filepath.Join(base, "work")
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		opts := "lowerdir=" + p + ",upperdir=" + upper + ",workdir=" + work
		if err := unix.Mount("overlay", p, "overlay", 0, opts); err != nil {
			return fmt.Errorf("overlay on %s: %w", p, err)
		}
	}
	return kernelDefaults(dir)
}

// kernelTunables are the sysctls the kubelet insists on (pkg/kubelet/cm,
// setupKernelTunables) and their values. They are not namespaced: writing
// them would change the host, so the kubelet runs with
// protectKernelDefaults (it only reads them and fails on a difference), and
// each one that differs here is shown to it, in this mount namespace only,
// as a read-only file holding the value it wants.
var kernelTunables = map[string]int{
	"vm/overcommit_memory":      1,
	"vm/panic_on_oom":           0,
	"kernel/panic":              10,
	"kernel/panic_on_oops":      1,
	"kernel/keys/root_maxkeys":  1000000,
	"kernel/keys/root_maxbytes": 25000000,
}

func kernelDefaults(dir string) error {
	for name, want := range kernelTunables {
		target := filepath.Join("/proc/sys", name)
		b, err := os.ReadFile(target)
		if err != nil {
			return err
		}
		if got, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && got == want {
			continue
		}
		src := filepath.Join(dir, "sysctl", strings.ReplaceAll(name, "/", "."))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(src, []byte(strconv.Itoa(want)+"\n"), 0o444); err != nil {
			return err
		}
		if err := bindReadOnly(src, target); err != nil {
			return err
		}
	}
	return nil
}

// bindAt bind-mounts src over the node path dst, creating dst (a directory
// or an empty file, like src) in the private overlay first.
func bindAt(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if st.IsDir() {
		err = os.MkdirAll(dst, 0o755)
	} else {
		var f *os.File
		if f, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		return err
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, dst, err)
	}
	return nil
}

func bindReadOnly(src, dst string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, dst, err)
	}
	return unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
}

// makeCgroupRoot creates the kubelet's cgroup root in every hierarchy: the
// kubelet refuses a --cgroup-root that does not exist. Stopping the dev node
// removes the whole subtree (devnode.removeCgroups).
func makeCgroupRoot(root string) error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var errs []error
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		i := indexOf(f, "-")
		if i < 0 || i+1 >= len(f) || (f[i+1] != "cgroup" && f[i+1] != "cgroup2") {
			continue
		}
		if err := os.Mkdir(filepath.Join(f[4], root), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
