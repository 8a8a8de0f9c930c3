package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// kubeletLabels makes fake objects as heavy as kubelet's real ones, so the
// memory figure is honest.
func kubeletLabels(pod, ns, ctr string, i int) map[string]string {
	return map[string]string{
		"io.kubernetes.pod.name":       pod,
		"io.kubernetes.pod.namespace":  ns,
		"io.kubernetes.pod.uid":        fmt.Sprintf("%08x-1b2c-4d5e-8f90-%012x", i, i),
		"io.kubernetes.container.name": ctr,
		"app.kubernetes.io/name":       "bench",
		"pod-template-hash":            "7d4b9c8f6d",
	}
}

const fakeContainers, fakePods = 10000, 500

func startFake() (*runtimetest.Server, error) {
	s, err := runtimetest.Start()
	if err != nil {
		return nil, err
	}
	pods := make([]runtimetest.Pod, fakePods)
	for i := range pods {
		pods[i] = runtimetest.Pod{ID: fmt.Sprintf("%064x", i+1), Name: fmt.Sprintf("pod-%d", i), Namespace: fmt.Sprintf("ns-%d", i%20),
			State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: int64(i) * 1e9,
			Labels: kubeletLabels(fmt.Sprintf("pod-%d", i), "ns", "", i)}
	}
	s.SetPods(pods...)
	cs := make([]runtimetest.Container, fakeContainers)
	for i := range cs {
		p := pods[i%fakePods]
		name := fmt.Sprintf("app-%d", i)
		cs[i] = runtimetest.Container{ID: fmt.Sprintf("%064x", 1<<40+i), Name: name, PodID: p.ID,
			Image: "registry.example.com/team/service:v1.2.3", ImageRef: fmt.Sprintf("sha256:%064x", i%50),
			State: runtimeapi.ContainerState(i % 3), CreatedAt: int64(i) * 1e9, Attempt: uint32(i % 4),
			Labels: kubeletLabels(p.Name, p.Namespace, name, i)}
	}
	s.SetContainers(cs...)
	return s, nil
}

// serveFakeNode runs in a child process, so that the fake's memory is not
// charged to the measured command; it serves until stdin closes.
func serveFakeNode() error {
	s, err := startFake()
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println(s.Endpoint)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
	return nil
}

func benchFake() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv := exec.Command(self, "-serve-fake")
	stdin, _ := srv.StdinPipe()
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { stdin.Close(); _ = srv.Wait() }()
	ep, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("fake server did not start: %v", err)
	}
	ep = strings.TrimSpace(ep)
	fmt.Printf("fake server, %d containers in %d pods:\n", fakeContainers, fakePods)
	for _, args := range [][]string{{"ps", "-a"}, {"ps", "-a", "-o", "json"}, {"ps"}} {
		st, err := repeat(*runs, nil, *ours, append([]string{"-a", ep, "cri"}, args...)...)
		if err != nil {
			return err
		}
		dbg, err := run(nil, *ours, append([]string{"-a", ep, "cri", "--debug"}, args...)...)
		if err != nil {
			return err
		}
		calls := rpcs(dbg.stderr)
		rows := bytesCount(st.out.stdout)
		fmt.Printf("  ctr cri %-18s wall %-9s peak RSS %5.1f MiB  RPCs %d  (%d lines out)\n",
			joinArgs(args), ms(st.wall), float64(st.rss)/1024, calls, rows)
		if args[len(args)-1] == "-a" && len(args) == 2 {
			check(st.wall < 300e6, "10k ps -a wall %s < 300 ms", ms(st.wall))
			check(st.rss < 50*1024, "10k ps -a peak RSS %.1f MiB < 50 MiB", float64(st.rss)/1024)
			check(calls == 2, "10k ps -a makes %d RPCs (ListContainers + ListPodSandbox)", calls)
		}
	}
	if haveCrictl() {
		for _, args := range [][]string{{"ps", "-a"}, {"ps", "-a", "-o", "json"}} {
			v, err := vsCrictl(ep, args...)
			if err != nil {
				return err
			}
			fmt.Printf("  vs crictl %-16s ours %-9s crictl %-9s (%.2fx)  peak RSS ours %5.1f MiB, crictl %5.1f MiB (%.2fx)\n",
				joinArgs(args), ms(v.ours), ms(v.ref), v.ratio(), float64(v.oursRSS)/1024, float64(v.refRSS)/1024, v.memRatio())
			v.guard("10k " + joinArgs(args))
			if len(args) == 2 {
				check(v.ratio() <= 0.3, "10k ps -a %.2fx crictl's wall time (<= 0.3x)", v.ratio())
			} else {
				check(v.ratio() <= 0.5, "10k ps -a -o json %.2fx crictl's wall time (<= 0.5x)", v.ratio())
				check(v.memRatio() <= 0.6, "10k ps -a -o json %.2fx crictl's peak memory (<= 0.6x)", v.memRatio())
			}
		}
	} else {
		fmt.Printf("  (no %s: run make crictl for the figures against crictl)\n", *crictlBin)
	}
	fmt.Println()
	return nil
}

func bytesCount(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func joinArgs(a []string) string {
	s := ""
	for i, x := range a {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}
