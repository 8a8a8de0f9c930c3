// Package deploy_test checks the manifests under deploy/ the way the API
// server would read them: strictly decoded into the Kubernetes API types
// (an unknown or misspelt field fails), plus the properties docs/fleet.md
// promises. k8s.io/api is a test-only dependency: bin/ctr never links it.
package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"sigs.k8s.io/yaml"
)

// docs splits every manifest file into its YAML documents, keyed by kind.
func docs(t *testing.T) map[string][][]byte {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range bytes.Split(data, []byte("\n---\n")) {
			var tm struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal(d, &tm); err != nil || tm.Kind == "" {
				t.Errorf("%s: a document without kind: %v", f, err)
				continue
			}
			out[tm.Kind] = append(out[tm.Kind], d)
		}
	}
	return out
}

func strict(t *testing.T, data []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("strict decoding: %v\n%s", err, data)
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	d := docs(t)
	for kind, n := range map[string]int{"Namespace": 1, "PriorityClass": 1, "DaemonSet": 1, "CronJob": 1} {
		if len(d[kind]) != n {
			t.Errorf("%d %s documents, want %d", len(d[kind]), kind, n)
		}
	}
	for kind := range d {
		if !slices.Contains([]string{"Namespace", "PriorityClass", "DaemonSet", "CronJob"}, kind) {
			t.Errorf("unexpected kind %s", kind)
		}
	}
	var ns corev1.Namespace
	strict(t, d["Namespace"][0], &ns)
	var pc schedulingv1.PriorityClass
	strict(t, d["PriorityClass"][0], &pc)
	var ds appsv1.DaemonSet
	strict(t, d["DaemonSet"][0], &ds)
	var cj batchv1.CronJob
	strict(t, d["CronJob"][0], &cj)

	if ds.Namespace != ns.Name || cj.Namespace != ns.Name {
		t.Errorf("namespaces: daemonset %q cronjob %q, namespace %q", ds.Namespace, cj.Namespace, ns.Name)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("hostPath volumes need the privileged pod security level: %v", ns.Labels)
	}
	// Item 6: a warn (or audit) level below privileged prints a warning on
	// every apply of pods that are meant to use hostPath.
	for _, mode := range []string{"warn", "audit"} {
		if l := ns.Labels["pod-security.kubernetes.io/"+mode]; l != "privileged" {
			t.Errorf("pod-security %s level %q: kubectl apply warns about the pods it exists for", mode, l)
		}
	}
	if !labelsMatch(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Errorf("daemonset selector %v does not select its pods %v", ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
	}
	podRules(t, "daemonset", ds.Spec.Template.Spec, pc.Name, true)
	podRules(t, "cronjob", cj.Spec.JobTemplate.Spec.Template.Spec, pc.Name, false)
	if p := cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		t.Errorf("cronjob restart policy %q: diagnose's verdict is not retried in place", p)
	}
	if j := cj.Spec.JobTemplate.Spec; j.CompletionMode == nil || *j.CompletionMode != batchv1.IndexedCompletion ||
		j.Template.Spec.Affinity == nil || j.Template.Spec.Affinity.PodAntiAffinity == nil ||
		!labelsMatch(j.Template.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector.MatchLabels, j.Template.Labels) {
		t.Errorf("cronjob pods are not spread one per node: %+v", j)
	}
}

func labelsMatch(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// podRules are what docs/fleet.md promises of both pod templates.
func podRules(t *testing.T, what string, p corev1.PodSpec, priority string, every bool) {
	t.Helper()
	if p.HostNetwork || p.HostPID || p.HostIPC {
		t.Errorf("%s: shares host namespaces", what)
	}
	if p.PriorityClassName != priority {
		t.Errorf("%s: priority class %q, want %q", what, p.PriorityClassName, priority)
	}
	if !slices.ContainsFunc(p.Tolerations, func(t corev1.Toleration) bool {
		return t.Operator == corev1.TolerationOpExists && t.Key == "" && t.Effect == ""
	}) {
		t.Errorf("%s: does not tolerate every taint: %+v", what, p.Tolerations)
	}
	if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken {
		t.Errorf("%s: mounts a service account token it does not need", what)
	}
	if len(p.Containers) != 1 {
		t.Fatalf("%s: %d containers", what, len(p.Containers))
	}
	c := p.Containers[0]
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if c.Resources.Requests.Name(r, "").IsZero() || c.Resources.Limits.Name(r, "").IsZero() {
			t.Errorf("%s: no %s request and limit", what, r)
		}
	}
	args := strings.Join(c.Args, " ")
	if !strings.HasPrefix(args, "cri diagnose -o ndjson") || strings.Contains(args, "--every") != every {
		t.Errorf("%s: args %q", what, args)
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "NODE_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName"
	}) {
		t.Errorf("%s: NODE_NAME does not come from spec.nodeName", what)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Privileged == nil || *sc.Privileged || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("%s: security context %+v", what, sc)
	}
	if c.Image != defaultImageRef(t) || c.ImagePullPolicy != corev1.PullIfNotPresent || strings.HasSuffix(c.Image, ":latest") {
		t.Errorf("%s: image %q pull policy %q, want make image's %q, IfNotPresent", what, c.Image, c.ImagePullPolicy, defaultImageRef(t))
	}
	if p.DNSPolicy != corev1.DNSDefault {
		t.Errorf("%s: dnsPolicy %q: it resolves no name and must not need cluster DNS", what, p.DNSPolicy)
	}
	for _, v := range p.Volumes {
		if v.HostPath == nil {
			continue
		}
		// R4: nothing is created on a node, and no directory of
		// container root filesystems is mounted to statfs it.
		if v.HostPath.Type == nil || !slices.Contains([]corev1.HostPathType{corev1.HostPathSocket, corev1.HostPathDirectory, corev1.HostPathFile}, *v.HostPath.Type) {
			t.Errorf("%s: hostPath %s has type %v, want Socket, Directory or File", what, v.HostPath.Path, v.HostPath.Type)
		}
		if strings.Contains(v.HostPath.Path, "io.containerd.snapshotter") && !strings.HasSuffix(v.HostPath.Path, "/metadata.db") {
			t.Errorf("%s: mounts the snapshot tree %s to statfs it; metadata.db is enough", what, v.HostPath.Path)
		}
	}
	vols := map[string]corev1.Volume{}
	for _, v := range p.Volumes {
		vols[v.Name] = v
	}
	sock := false
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("%s: %s is mounted read-write", what, m.MountPath)
		}
		v, ok := vols[m.Name]
		if !ok || v.HostPath == nil {
			t.Errorf("%s: mount %s is not a hostPath volume", what, m.Name)
			continue
		}
		if m.MountPath == "/run/containerd/containerd.sock" && v.HostPath.Path == m.MountPath && v.HostPath.Type != nil && *v.HostPath.Type == corev1.HostPathSocket {
			sock = true
		}
		// Everything else is seen under --host-root /host at its node path.
		if m.MountPath != "/run/containerd/containerd.sock" && m.MountPath != "/host"+v.HostPath.Path {
			t.Errorf("%s: %s mounted at %s, want /host%s", what, v.HostPath.Path, m.MountPath, v.HostPath.Path)
		}
	}
	if !sock {
		t.Errorf("%s: containerd's socket is not mounted as a Socket at ctr's default address", what)
	}
}

// defaultImageRef is the ref make image gives the image by default.
func defaultImageRef(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(l, "?="); ok && strings.TrimSpace(k) == "IMAGE_REF" {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("Makefile sets no IMAGE_REF")
	return ""
}

// Items 5 and R4 in the docs: the kubectl debug recipe uses the image the
// manifests use, and the docs and manifests say what the socket is.
func TestDocsMatchTheManifests(t *testing.T) {
	doc, err := os.ReadFile("../docs/fleet.md")
	if err != nil {
		t.Fatal(err)
	}
	ref := defaultImageRef(t)
	if !strings.Contains(string(doc), "--image="+ref+" ") {
		t.Errorf("docs/fleet.md's kubectl debug recipe does not use %s", ref)
	}
	for _, want := range []string{"root-equivalent", "is root on every node", "dnsPolicy: Default", "control-plane"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/fleet.md does not say %q", want)
		}
	}
	for _, f := range []string{"daemonset.yaml", "cronjob.yaml", "00-namespace.yaml"} {
		data, _ := os.ReadFile(f)
		if !strings.Contains(string(data), "root on") {
			t.Errorf("%s does not say that the socket (or the namespace) is root on the node", f)
		}
	}
}

// bin/ctr must not link the API types these tests use.
func TestBinaryDoesNotLinkKubernetesAPI(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../cmd/ctr").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "k8s.io/api/") {
			t.Errorf("cmd/ctr depends on %s", p)
		}
	}
}
