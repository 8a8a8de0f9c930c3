// Package cluster runs a one-node Kubernetes cluster on a dev node of its
// own, for test/cluster's operator session (issue 16): etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler on loopback, and a kubelet on
// the dev node's containerd, all in a network namespace the test creates and
// a private mount namespace in which the node's default paths (/run/containerd,
// /var/lib/kubelet, /var/log/pods, /var/lib/containerd) are the node's own.
// No kube-proxy, no cluster DNS: nothing sends a packet to a Service or a pod.
//
// The binaries come from the tools modules under test/tools, built once by
// `make cluster-tools` into a cache outside the checkout.
package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// Environment the Makefile passes to the suite.
const (
	// EnvKubernetesBin is the directory of kubelet, kube-apiserver,
	// kube-controller-manager, kube-scheduler and kubectl.
	EnvKubernetesBin = "CTRCRI_K8S_BIN"
	// EnvEtcdBin is the directory of etcd.
	EnvEtcdBin = "CTRCRI_ETCD_BIN"
)

// Bins locates the pinned binaries.
type Bins struct{ Kubernetes, Etcd string }

// FindBins reads the binary directories from the environment and checks
// every binary is there.
func FindBins() (Bins, error) {
	b := Bins{Kubernetes: os.Getenv(EnvKubernetesBin), Etcd: os.Getenv(EnvEtcdBin)}
	if b.Kubernetes == "" || b.Etcd == "" {
		return b, fmt.Errorf("%s and %s are not set (make test-cluster sets them after make cluster-tools)", EnvKubernetesBin, EnvEtcdBin)
	}
	for _, p := range []string{
		b.Path("kubelet"), b.Path("kube-apiserver"), b.Path("kube-controller-manager"),
		b.Path("kube-scheduler"), b.Path("kubectl"), b.Path("etcd"),
	} {
		if _, err := os.Stat(p); err != nil {
			return b, fmt.Errorf("%v (run make cluster-tools)", err)
		}
	}
	return b, nil
}

// Path is the absolute path of one binary.
func (b Bins) Path(name string) string {
	if name == "etcd" {
		return filepath.Join(b.Etcd, name)
	}
	return filepath.Join(b.Kubernetes, name)
}

// Cluster is a running one-node cluster.
type Cluster struct {
	Dir        string // the cluster's private files: certs, configs, logs, overlays
	NodeName   string
	Kubeconfig string // the admin's (system:masters)
	Node       *devnode.Node
	bins       Bins
	pki        *pki
	log        func(string, ...any)

	etcd, apiserver, controllers, scheduler, kubelet *daemon
}

// New prepares a cluster in dir, which must exist; this process must
// already run in the cluster's network namespace and a private mount
// namespace (see TestCluster).
func New(dir, nodeName string, bins Bins, log func(string, ...any)) *Cluster {
	return &Cluster{Dir: dir, NodeName: nodeName, bins: bins, log: log, Kubeconfig: filepath.Join(dir, "admin.kubeconfig")}
}

// Prepare brings up the namespace's network, makes the node's default
// paths private and writes the certificates and kubeconfigs.
func (c *Cluster) Prepare() error {
	if err := upNetwork(); err != nil {
		return err
	}
	if err := privateHost(c.Dir); err != nil {
		return err
	}
	p, err := newPKI(filepath.Join(c.Dir, "pki"))
	if err != nil {
		return err
	}
	c.pki = p
	for _, cert := range []struct {
		name, cn string
		orgs     []string
		hosts    []string
	}{
		{"apiserver", "kube-apiserver", nil, []string{"127.0.0.1", nodeIP, serviceIP, "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}},
		{"admin", "ctrcri-admin", []string{"system:masters"}, nil},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil},
		{"kubelet", "system:node:" + c.NodeName, []string{"system:nodes"}, nil},
	} {
		if err := p.issue(cert.name, cert.cn, cert.orgs, cert.hosts...); err != nil {
			return err
		}
	}
	if err := p.kubeconfig(c.Kubeconfig, apiServer, "admin"); err != nil {
		return err
	}
	return p.kubeconfig(filepath.Join(c.Dir, "kubelet.kubeconfig"), apiServer, "kubelet")
}

// StartControlPlane starts etcd and the API server, waits until the API
// server is ready, then starts the controller manager and the scheduler.
func (c *Cluster) StartControlPlane(ctx context.Context) error {
	var err error
	p := c.pki.path
	c.etcd, err = startDaemon(c.Dir, "etcd", c.bins.Path("etcd"),
		"--data-dir", filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", "http://127.0.0.1:2380",
		"--initial-advertise-peer-urls", "http://127.0.0.1:2380",
		"--initial-cluster", "default=http://127.0.0.1:2380",
		"--unsafe-no-fsync", "--log-level", "warn")
	if err != nil {
		return err
	}
	if err := c.waitHTTP(ctx, c.etcd, etcdURL+"/health", nil, 30*time.Second); err != nil {
		return err
	}
	c.apiserver, err = startDaemon(c.Dir, "kube-apiserver", c.bins.Path("kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--secure-port", "6443",
		"--advertise-address", nodeIP,
		"--tls-cert-file", p("apiserver.crt"), "--tls-private-key-file", p("apiserver.key"),
		"--client-ca-file", p("ca.crt"),
		"--kubelet-client-certificate", p("apiserver-kubelet-client.crt"),
		"--kubelet-client-key", p("apiserver-kubelet-client.key"),
		// The node's hostname resolves nowhere: logs, exec and attach go
		// to the kubelet at the node IP.
		"--kubelet-preferred-address-types", "InternalIP",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", p("sa.pub"),
		"--service-account-signing-key-file", p("sa.key"),
		"--service-cluster-ip-range", serviceNet,
		"--authorization-mode", "Node,RBAC",
		// The kubectl debug recipe of docs/fleet.md runs a privileged pod.
		"--allow-privileged=true",
		"--profiling=false")
	if err != nil {
		return err
	}
	client, err := c.adminHTTP()
	if err != nil {
		return err
	}
	if err := c.waitHTTP(ctx, c.apiserver, apiServer+"/readyz", client, 90*time.Second); err != nil {
		return err
	}
	c.controllers, err = startDaemon(c.Dir, "kube-controller-manager", c.bins.Path("kube-controller-manager"),
		"--kubeconfig", c.Kubeconfig,
		"--bind-address", "127.0.0.1",
		"--leader-elect=false",
		"--service-account-private-key-file", p("sa.key"),
		"--root-ca-file", p("ca.crt"),
		"--use-service-account-credentials=false",
		"--profiling=false")
	if err != nil {
		return err
	}
	c.scheduler, err = startDaemon(c.Dir, "kube-scheduler", c.bins.Path("kube-scheduler"),
		"--kubeconfig", c.Kubeconfig,
		"--bind-address", "127.0.0.1",
		"--leader-elect=false",
		"--profiling=false")
	return err
}

// kubeletConfig is the node's KubeletConfiguration. The machine this runs
// on decides several values: cgroup v1 (failCgroupV1: false), no systemd
// (cgroupfs), swap not refused, host sysctls only read
// (protectKernelDefaults, see kernelDefaults). Image garbage collection and
// eviction are off in effect: the preloaded images cannot be pulled back,
// and a busy shared disk must not evict the pods under test.
func (c *Cluster) kubeletConfig() string {
	return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ` + c.Node.CgroupRoot + `
failSwapOn: false
protectKernelDefaults: true
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
address: ` + nodeIP + `
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ` + c.pki.path("ca.crt") + `}
authorization: {mode: AlwaysAllow}
resolvConf: /etc/resolv.conf
volumePluginDir: ` + filepath.Join(c.Dir, "volume-plugins") + `
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 1Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1%, imagefs.inodesFree: 1%}
serializeImagePulls: false
`
}

// StartNode starts the dev node's containerd, makes its socket and root
// appear at their default paths, and starts the kubelet. It does not wait
// for the node to be Ready.
func (c *Cluster) StartNode(ctx context.Context) error {
	n, err := devnode.Start(ctx, devnode.Options{Log: logWriter(c.log)})
	if err != nil {
		return err
	}
	c.Node = n
	// The manifests' hostPaths and ctr's default address.
	if err := bindAt(n.Socket, "/run/containerd/containerd.sock"); err != nil {
		return err
	}
	if err := bindAt(filepath.Join(n.Dir, "root"), "/var/lib/containerd"); err != nil {
		return err
	}
	if err := makeCgroupRoot(n.CgroupRoot); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "kubelet.yaml"), []byte(c.kubeletConfig()), 0o644); err != nil {
		return err
	}
	c.kubelet, err = startDaemon(c.Dir, "kubelet", c.bins.Path("kubelet"),
		"--config", filepath.Join(c.Dir, "kubelet.yaml"),
		"--kubeconfig", filepath.Join(c.Dir, "kubelet.kubeconfig"),
		"--hostname-override", c.NodeName,
		"--node-ip", nodeIP)
	return err
}

// Healthy reports the first daemon that has exited.
func (c *Cluster) Healthy() error {
	for _, d := range []*daemon{c.etcd, c.apiserver, c.controllers, c.scheduler, c.kubelet} {
		if d != nil {
			if err := d.exited(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Logs names every daemon log, for a failure message.
func (c *Cluster) Logs() []string {
	logs := []string{}
	for _, d := range []*daemon{c.etcd, c.apiserver, c.controllers, c.scheduler, c.kubelet} {
		if d != nil {
			logs = append(logs, d.log)
		}
	}
	if c.Node != nil {
		logs = append(logs, c.Node.LogPath())
	}
	return logs
}

// Stop stops the kubelet, then the dev node (every pod through CRI,
// containerd, shims, container processes, mounts, bridge and the cgroup
// subtree the kubelet made), then the control plane. The mounts of the
// private namespace go with the namespace when this process exits.
func (c *Cluster) Stop() error {
	var errs []error
	errs = append(errs, c.kubelet.stop(10*time.Second))
	if c.Node != nil {
		errs = append(errs, c.Node.Stop())
	}
	for _, d := range []*daemon{c.scheduler, c.controllers, c.apiserver, c.etcd} {
		errs = append(errs, d.stop(10*time.Second))
	}
	return errors.Join(errs...)
}

// adminHTTP is an HTTP client that speaks to the API server as the admin.
func (c *Cluster) adminHTTP() (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(c.pki.path("admin.crt"), c.pki.path("admin.key"))
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(c.pki.path("ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}},
	}, nil
}

// waitHTTP polls url until it answers 200, d exits or timeout passes.
func (c *Cluster) waitHTTP(ctx context.Context, d *daemon, url string, client *http.Client, timeout time.Duration) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	deadline := time.Now().Add(timeout)
	last := errors.New("no answer yet")
	for {
		if err := d.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not ready after %s: %v; last lines of %s:\n%s", d.name, url, timeout, last, d.log, tail(d.log, 25))
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type logFunc func(string, ...any)

func (f logFunc) Write(b []byte) (int, error) {
	f("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func logWriter(f func(string, ...any)) io.Writer { return logFunc(f) }
