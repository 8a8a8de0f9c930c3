package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// nodeName is the Kubernetes name of the one node.
const nodeName = "ctrcri-node-1"

// The names deploy/ gives its objects.
const (
	fleetNS  = "ctr-cri-diagnose"
	fleetDS  = "ctr-cri-diagnose"
	fleetJob = "ctr-cri-diagnose"
)

// phases records how long each step of the session took and prints the
// list when the session ends.
type phases struct {
	t     *testing.T
	names []string
	took  []time.Duration
}

func (p *phases) add(name string, d time.Duration) {
	p.names, p.took = append(p.names, name), append(p.took, d)
	p.t.Logf("phase %-30s %7.1fs", name, d.Seconds())
}

func (p *phases) print() {
	var b strings.Builder
	for i, n := range p.names {
		fmt.Fprintf(&b, "  %-30s %7.1fs\n", n, p.took[i].Seconds())
	}
	p.t.Logf("phase timings:\n%s", b.String())
}

// inside is the session proper, in the cluster's namespaces: the cluster
// comes up, then an operator works through docs/fleet.md.
func inside(t *testing.T, dir string) {
	ph := &phases{t: t}
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bins, err := FindBins()
	if err != nil {
		t.Fatal(err)
	}
	ph.add("build k8s+etcd (cold, cached)", cachedBuildTime(bins))
	c := New(dir, nodeName, bins, t.Logf)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range c.Logs() {
				t.Logf("--- last lines of %s ---\n%s", l, tail(l, 15))
			}
		}
		start := time.Now()
		if err := c.Stop(); err != nil {
			t.Errorf("teardown: %v", err)
		}
		ph.add("teardown (in namespace)", time.Since(start))
		ph.print()
	})
	// ^C or a kill: stop what was started (the daemons live in sessions of
	// their own and would outlive this process), then go.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			_ = c.Stop()
			os.Exit(130)
		}
	}()
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	start := time.Now()
	if err := c.StartControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	ph.add("start etcd, apiserver", time.Since(start))

	start = time.Now()
	if err := c.StartNode(ctx); err != nil {
		t.Fatal(err)
	}
	// The host side finds the node's leftovers by its directory.
	if err := os.WriteFile(filepath.Join(dir, "node-dir"), []byte(c.Node.Dir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, c, repo)
	s.waitNodeReady(t, 2*time.Minute)
	ph.add("node Ready", time.Since(start))

	steps := []struct {
		name string
		run  func(*testing.T, *session, *phases)
	}{
		{"apply deploy and merge the fleet", applyAndMerge},
		{"a sick workload shows within one period", sickWorkload},
		{"the Job, once failing, then healthy", jobRuns},
		{"kubectl debug recipe", debugRecipe},
	}
	for _, st := range steps {
		start := time.Now()
		t.Run(st.name, func(t *testing.T) {
			if err := c.Healthy(); err != nil {
				t.Fatal(err)
			}
			st.run(t, s, ph)
		})
		ph.add(st.name, time.Since(start))
	}
}

// cachedBuildTime reads how long the cold build of the binaries took, as
// make cluster-tools recorded it next to them.
func cachedBuildTime(b Bins) time.Duration {
	var total time.Duration
	for _, d := range []string{b.Kubernetes, b.Etcd} {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(d), "build-seconds"))
		if err != nil {
			continue
		}
		var secs int
		_, _ = fmt.Sscan(string(raw), &secs)
		total += time.Duration(secs) * time.Second
	}
	return total
}

// session is the operator's shell: bash in the repository, kubectl and
// the ctr under test on PATH, KUBECONFIG the admin's; ctr and crictl find
// containerd at their default address, as on a node.
type session struct {
	c    *Cluster
	repo string
	env  []string
	// ref is the product image as `ctr cri load` named it.
	ref string
}

func newSession(t *testing.T, c *Cluster, repo string) *session {
	ctrBin, err := devnode.CtrBinary(repo)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONTAINERD_ADDRESS=") && !strings.HasPrefix(e, "KUBECONFIG=") && !strings.HasPrefix(e, "PATH=") {
			env = append(env, e)
		}
	}
	env = append(env,
		"PATH="+c.bins.Kubernetes+":"+filepath.Dir(ctrBin)+":"+os.Getenv("PATH"),
		"KUBECONFIG="+c.Kubeconfig)
	return &session{c: c, repo: repo, env: env}
}

type result struct {
	out, err string
	code     int
}

// sh runs one operator command line in bash, in dir (the repository when
// empty), and logs it with its output as a terminal would show it.
func (s *session) sh(t *testing.T, dir, script string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = s.repo
	}
	cmd.Env = s.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{out: o.String(), err: e.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Fatalf("$ %s: %v", script, err)
	}
	t.Logf("$ %s   # exit %d\n%s%s", script, r.code, r.out, r.err)
	return r
}

// quiet runs a command the operator would not care to read (polling).
func (s *session) quiet(dir, script string) result {
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = s.repo
	if dir != "" {
		cmd.Dir = dir
	}
	cmd.Env = s.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{out: o.String(), err: e.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		r.code, r.err = -1, err.Error()
	}
	return r
}

// eventually polls cond every interval until it returns true or timeout
// passes; it returns how long that took and whether cond held.
func (s *session) eventually(t *testing.T, timeout, interval time.Duration, cond func() bool) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if err := s.c.Healthy(); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		select {
		case <-t.Context().Done():
			return time.Since(start), false
		case <-time.After(interval):
		}
	}
}

func (s *session) waitNodeReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	jp := `{.status.conditions[?(@.type=="Ready")].status} {.spec.taints}`
	var last result
	if _, ok := s.eventually(t, timeout, 500*time.Millisecond, func() bool {
		last = s.quiet("", "kubectl get node "+nodeName+" -o jsonpath='"+jp+"'")
		return last.code == 0 && strings.TrimSpace(last.out) == "True"
	}); !ok {
		t.Fatalf("node %s not Ready and untainted after %s: %s%s", nodeName, timeout, last.out, last.err)
	}
	s.sh(t, "", "kubectl get nodes -o wide")
}

// docBlock returns the shell block of docs/fleet.md that contains marker,
// its continuation lines joined: the words the suite runs are the docs'.
func docBlock(t *testing.T, repo, marker string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "docs", "fleet.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	for _, m := range blocks {
		if strings.Contains(m[1], marker) {
			return strings.TrimSpace(m[1])
		}
	}
	t.Fatalf("docs/fleet.md has no sh block with %q any more: the suite runs the docs' commands", marker)
	return ""
}

// fleetView is what the suite reads of `diagnose merge -o json`.
type fleetView struct {
	Healthy bool
	Summary struct {
		Reports, Nodes, Healthy, Unhealthy, Warnings, Stale, Missing, UnknownSchema, Duplicates, Errors int
	}
	Nodes []struct {
		Name     string
		Healthy  bool
		Errors   int
		Warnings int
		Source   string
	}
	Problems []struct {
		Severity, Check, Pattern string
		Nodes                    int
		Examples                 []string
		Sample                   struct{ Severity, Check, Object, Message string }
	}
	Missing    []string
	Duplicates []json.RawMessage
	Errors     []json.RawMessage
}

func decodeView(t *testing.T, r result) fleetView {
	t.Helper()
	var v fleetView
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("merge -o json: %v\n%s%s", err, r.out, r.err)
	}
	return v
}

// problem finds a problem group on the node, of any severity, whose sample
// object contains object and whose pattern or message matches re.
func (v fleetView) problem(node, object string, re *regexp.Regexp) bool {
	for _, p := range v.Problems {
		onNode := false
		for _, e := range p.Examples {
			onNode = onNode || e == node
		}
		if onNode && strings.Contains(p.Sample.Object, object) &&
			(re.MatchString(p.Pattern) || re.MatchString(p.Sample.Message)) {
			return true
		}
	}
	return false
}

func (v fleetView) String() string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
