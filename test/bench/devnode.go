package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
)

var devDir = flag.String("devnode-dir", "", "keep the dev node in this directory (reused by the next run; stop it with make down DEV_DIR=…)")

// benchDevnode measures ps/pods/images on a real containerd with 1, 20
// and then 50 pods (each with one running container), ps with 20 pods and
// inspect of 50 containers against crictl, and ID completion.
func benchDevnode(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	n, err := devnode.Start(ctx, devnode.Options{Dir: *devDir})
	if err != nil {
		return fmt.Errorf("dev node: %w", err)
	}
	pods := 0
	if *devDir == "" {
		defer func() { _ = n.Stop() }()
	} else {
		// A kept node is reused: its bench pods are not made again.
		rt, err := n.RuntimeClient()
		if err != nil {
			return err
		}
		l, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
		if err != nil {
			return err
		}
		pods = len(l.Items)
	}
	addr := []string{"--address", n.Socket}
	for _, want := range []int{1, 20, 50} {
		for ; pods < want; pods++ {
			cfg := n.PodConfig(fmt.Sprintf("bench-%d", pods), "bench")
			id, err := n.RunPod(ctx, cfg)
			if err != nil {
				return err
			}
			if _, err := n.RunContainer(ctx, id, cfg, devnode.ContainerConfig("sleep", devnode.BusyboxImage, "sleep", "3600")); err != nil {
				return err
			}
		}
		fmt.Printf("dev node, %d pod(s) with one running container each:\n", want)
		for _, cmd := range [][]string{{"ps"}, {"pods"}, {"images"}} {
			args := append(append(append([]string{}, addr...), "cri"), cmd...)
			c, v, d, err := paired(*runs, nil, append([]string{*ours}, args...), []string{*ours, "--version"})
			if err != nil {
				return err
			}
			st, err := repeat(3, nil, *ours, args...)
			if err != nil {
				return err
			}
			dbg, err := run(nil, *ours, append(append(append([]string{}, addr...), "cri", "--debug"), cmd...)...)
			if err != nil {
				return err
			}
			fmt.Printf("  ctr cri %-7s wall %-9s (--version %s, paired diff %s)  peak RSS %5.1f MiB  RPCs %d\n",
				cmd[0], ms(c), ms(v), ms(d), float64(st.rss)/1024, rpcs(dbg.stderr))
			if cmd[0] == "ps" {
				check(d <= 10*time.Millisecond, "ps with %d pods costs %s over --version (<= 10 ms)", want, ms(d))
				check(rpcs(dbg.stderr) == 2, "ps with %d pods makes %d RPCs", want, rpcs(dbg.stderr))
			}
		}
		// What a node with a typical number of pods pays for ps, against
		// crictl.
		if want == 20 && haveCrictl() {
			v, err := vsCrictl("unix://"+n.Socket, "ps")
			if err != nil {
				return err
			}
			fmt.Printf("  vs crictl ps        (%d pods) ours %-9s crictl %-9s (%.2fx)  peak RSS ours %5.1f MiB, crictl %5.1f MiB (%.2fx)\n",
				want, ms(v.ours), ms(v.ref), v.ratio(), mib(v.oursRSS), mib(v.refRSS), v.memRatio())
			check(v.ratio() <= 0.7, "ps with %d pods %.2fx crictl's wall time (<= 0.7x)", want, v.ratio())
			check(v.memRatio() <= 0.85, "ps with %d pods %.2fx crictl's peak memory (<= 0.85x)", want, v.memRatio())
			v.guard(fmt.Sprintf("ps, %d pods", want))
		}
	}
	// Completion of pod IDs/names: what a shell runs on TAB.
	if haveCrictl() {
		// inspecti of 30 images: the busybox image under 30 names (tagged
		// through containerd, which CRI shows as 30 references).
		var tags []string
		for i := range 30 {
			tag := fmt.Sprintf("localhost/bench/busybox:t%d", i)
			if _, err := run(nil, *ours, "--address", n.Socket, "-n", "k8s.io", "images", "tag", "--force", devnode.BusyboxImage, tag); err != nil {
				return err
			}
			tags = append(tags, tag)
		}
		// 50 pods, 50 running containers: the per-object status calls of
		// inspect/inspectp and one stats listing, against the real crictl.
		ep := "unix://" + n.Socket
		for _, c := range []struct {
			args []string
			max  float64
		}{{[]string{"inspect"}, 0.5}, {[]string{"inspectp"}, 0.5}, {append([]string{"inspecti"}, tags...), 0.5}, {[]string{"stats"}, 0.2}} {
			v, err := vsCrictl(ep, c.args...)
			if err != nil {
				return err
			}
			objects := 50
			if len(c.args) > 1 {
				objects = len(c.args) - 1
			}
			fmt.Printf("  vs crictl %-9s (%d objects) ours %-9s crictl %-9s (%.2fx)  peak RSS ours %5.1f MiB, crictl %5.1f MiB\n",
				c.args[0], objects, ms(v.ours), ms(v.ref), v.ratio(), mib(v.oursRSS), mib(v.refRSS))
			check(v.ratio() <= c.max, "%s of %d objects %.2fx crictl's wall time (<= %.1fx)", c.args[0], objects, v.ratio(), c.max)
			v.guard(fmt.Sprintf("%s, %d objects", c.args[0], objects))
		}
	}
	comp := append(append([]string{}, addr...), "cri", "inspectp", "--generate-shell-completion")
	st, err := repeat(*runs, nil, *ours, comp...)
	if err != nil {
		return err
	}
	words := len(strings.Fields(string(st.out.stdout)))
	fmt.Printf("  completion (ctr cri inspectp <TAB>, 50 pods): wall %s, %d candidates\n", ms(st.wall), words)
	check(st.wall < 60*time.Millisecond && words >= 50, "ID completion with 50 pods %s < 60 ms (%d candidates)", ms(st.wall), words)
	fmt.Fprintln(os.Stderr)
	return nil
}
