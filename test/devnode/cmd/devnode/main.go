// Command devnode starts and stops a dev node: a private containerd with its
// CRI plugin, built by `make tools`, with the test images loaded.
//
//	devnode up     [--dir D]   start (or reuse) the node in D, print the export line
//	devnode down   [--dir D]   stop everything of the node in D and remove D
//	devnode sample [--dir D]   run pod default/demo with a busybox `sleep 3600`
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

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
		err = devnode.Teardown(*dir)
	case "sample":
		err = sample(*dir)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devnode:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: devnode up|down|sample [--dir DIR]")
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

// sample runs pod default/demo with a busybox container `sleep 3600`, the
// demo's stand-in for `ctr cri runp` + `create` + `start`. An existing demo
// pod is kept.
func sample(dir string) error {
	n, err := devnode.Attach(dir)
	if err != nil {
		return fmt.Errorf("no node in %s (make up): %w", dir, err)
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rt, err := n.RuntimeClient()
	if err != nil {
		return err
	}
	pods, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
	}})
	if err != nil {
		return err
	}
	for _, p := range pods.Items {
		if p.Metadata.Name == "demo" && p.Metadata.Namespace == "default" {
			fmt.Printf("pod default/demo already running: %s\n", p.Id)
			return nil
		}
	}
	podCfg := n.PodConfig("demo", "default")
	podID, err := n.RunPod(ctx, podCfg)
	if err != nil {
		return err
	}
	fmt.Printf("pod default/demo: %s\n", podID)
	ctrID, err := n.RunContainer(ctx, podID, podCfg, devnode.ContainerConfig("sleep", devnode.BusyboxImage, "sleep", "3600"))
	if err != nil {
		return errors.Join(err, fmt.Errorf("see %s", n.LogPath()))
	}
	fmt.Printf("container sleep: %s\n", ctrID)
	return nil
}
