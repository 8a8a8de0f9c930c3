// Command devnode starts and stops a dev node: a private containerd with its
// CRI plugin, built by `make tools`, with the test images loaded.
//
//	devnode up     [--dir D]   start (or reuse) the node in D, print the export line
//	devnode down   [--dir D]   stop everything of the node in D and remove D
//	devnode configs [--dir D]  write demo-pod.yaml and demo-container.yaml for `ctr cri run`
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ctrcri/ctrcri/test/devnode"
)

const defaultDir = "/run/ctrcri-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", defaultDir, "node directory (at most 40 bytes: its sockets live there)")
	timeout := fs.Duration("timeout", 90*time.Second, "how long to wait for the node to come up")
	_ = fs.Parse(os.Args[2:])

	var err error
	switch os.Args[1] {
	case "up":
		err = up(*dir, *timeout)
	case "down":
		err = down(*dir, os.Stdout, os.Stderr)
	case "configs":
		err = configs(*dir)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devnode:", err)
		os.Exit(1)
	}
}

// down tears the node in dir down and says so: it takes a while (every
// pod is stopped and removed through CRI first) and was silent.
func down(dir string, out, errOut io.Writer) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "no dev node in %s: nothing to do\n", dir)
		return nil
	}
	fmt.Fprintf(errOut, "stopping the dev node in %s (its pods first)...\n", dir)
	start := time.Now()
	if err := devnode.Teardown(dir); err != nil {
		return err
	}
	fmt.Fprintf(out, "dev node down: %s removed in %.1fs\n", dir, time.Since(start).Seconds())
	return nil
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: devnode up|down|configs [--dir DIR]")
	os.Exit(2)
}

func up(dir string, timeout time.Duration) error {
	n, err := devnode.Start(context.Background(), devnode.Options{Dir: dir, Timeout: timeout, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer n.Close() // containerd keeps running after we exit
	fmt.Printf("dev node up: containerd pid %d, log %s\n", n.PID, n.LogPath())
	fmt.Printf("export CONTAINERD_ADDRESS=%s\n", n.Socket)
	return nil
}

// configs writes demo-pod.yaml and demo-container.yaml into the node
// directory: a pod default/demo and a busybox `sleep 3600`, shaped for this
// node (cgroup parent, log directory), for `ctr cri run` to use.
func configs(dir string) error {
	n, err := devnode.Attach(dir)
	if err != nil {
		return fmt.Errorf("no node in %s (make up): %w", dir, err)
	}
	defer n.Close()
	pod := n.PodConfig("demo", "default")
	ctr := devnode.ContainerConfig("sleep", devnode.BusyboxImage, "sleep", "3600")
	for name, cfg := range map[string]any{"demo-pod.yaml": pod, "demo-container.yaml": ctr} {
		b, err := yaml.Marshal(cfg)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
