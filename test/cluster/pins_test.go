package cluster

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/test/devnode"
)

// makeVar reads NAME := VALUE from the Makefile.
func makeVar(t *testing.T, repo, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*:?=\s*(\S+)\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("Makefile sets no %s", name)
	}
	return string(m[1])
}

// gomod is what TestPins reads of a go.mod: its requirements, replacements
// and tool lines, one directive per entry whether in a block or not.
type gomod struct {
	require map[string]string
	replace map[string]string // old path => "new path version" (or a directory)
	tools   []string
}

func readGoMod(t *testing.T, path string) gomod {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g := gomod{require: map[string]string{}, replace: map[string]string{}}
	block := ""
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case f[0] == ")":
			block = ""
			continue
		case block == "" && (f[0] == "require" || f[0] == "replace" || f[0] == "tool"):
			g.add(f[0], f[1:])
			continue
		}
		g.add(block, f)
	}
	return g
}

func (g *gomod) add(directive string, f []string) {
	switch {
	case directive == "require" && len(f) >= 2:
		g.require[f[0]] = f[1]
	case directive == "tool" && len(f) == 1:
		g.tools = append(g.tools, f[0])
	case directive == "replace":
		if i := slices.Index(f, "=>"); i > 0 {
			g.replace[f[0]] = strings.Join(f[i+1:], " ")
		}
	}
}

// TestPins: the Kubernetes and etcd versions the Makefile names are the
// ones the tools modules require; every staging module k8s.io/kubernetes
// replaces with a directory of its own tree is replaced with the published
// module of the same release; and the binaries in the cache say so.
func TestPins(t *testing.T) {
	repo, err := devnode.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	k8sVersion, etcdVersion := makeVar(t, repo, "K8S_VERSION"), makeVar(t, repo, "ETCD_VERSION")
	staging := "v0" + strings.TrimPrefix(k8sVersion, "v1") // v1.37.2 → v0.37.2

	k8s := readGoMod(t, filepath.Join(repo, "test", "tools", "kubernetes", "go.mod"))
	if got := k8s.require["k8s.io/kubernetes"]; got != k8sVersion {
		t.Errorf("test/tools/kubernetes requires k8s.io/kubernetes %s, the Makefile builds %s", got, k8sVersion)
	}
	var want []string
	for _, cmd := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet"} {
		want = append(want, "k8s.io/kubernetes/cmd/"+cmd)
	}
	slices.Sort(k8s.tools)
	if !slices.Equal(k8s.tools, want) {
		t.Errorf("test/tools/kubernetes tool lines: %q, want %q", k8s.tools, want)
	}
	// k8s.io/kubernetes's own go.mod, as the module cache holds it.
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	upstream := readGoMod(t, filepath.Join(strings.TrimSpace(string(out)), "cache", "download", "k8s.io", "kubernetes", "@v", k8sVersion+".mod"))
	if len(upstream.replace) == 0 {
		t.Fatalf("k8s.io/kubernetes %s replaces nothing? (its go.mod in the module cache)", k8sVersion)
	}
	for mod, dir := range upstream.replace {
		if !strings.HasPrefix(dir, "./staging/") {
			continue
		}
		if got := k8s.replace[mod]; got != mod+" "+staging {
			t.Errorf("test/tools/kubernetes: replace %s => %q, want %s %s", mod, got, mod, staging)
		}
	}
	for mod := range k8s.replace {
		if _, ok := upstream.replace[mod]; !ok {
			t.Errorf("test/tools/kubernetes replaces %s, which k8s.io/kubernetes %s does not", mod, k8sVersion)
		}
	}

	etcd := readGoMod(t, filepath.Join(repo, "test", "tools", "etcd", "go.mod"))
	if got := etcd.require["go.etcd.io/etcd/server/v3"]; got != etcdVersion {
		t.Errorf("test/tools/etcd requires go.etcd.io/etcd/server/v3 %s, the Makefile builds %s", got, etcdVersion)
	}
	if !slices.Equal(etcd.tools, []string{"go.etcd.io/etcd/server/v3"}) {
		t.Errorf("test/tools/etcd tool lines: %q", etcd.tools)
	}

	bins, err := FindBins()
	if err != nil {
		skipOrFail(t, "the binaries: "+err.Error())
	}
	// The cache directory names what built it.
	for _, d := range []struct{ dir, version string }{{bins.Kubernetes, k8sVersion}, {bins.Etcd, etcdVersion}} {
		name := filepath.Base(filepath.Dir(d.dir))
		if !strings.Contains(name, "-"+d.version+"-"+runtime.Version()+"-") {
			t.Errorf("%s is not named for version %s and %s", d.dir, d.version, runtime.Version())
		}
	}
	version := func(name string, args ...string) string {
		out, err := exec.Command(bins.Path(name), args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, name := range []string{"kubelet", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		if got := version(name, "--version"); got != "Kubernetes "+k8sVersion {
			t.Errorf("%s --version: %q, want %q", name, got, "Kubernetes "+k8sVersion)
		}
	}
	var kubectl struct {
		ClientVersion struct{ GitVersion, Major, Minor string }
	}
	if err := json.Unmarshal([]byte(version("kubectl", "version", "--client", "-o", "json")), &kubectl); err != nil {
		t.Errorf("kubectl version: %v", err)
	}
	if cv := kubectl.ClientVersion; cv.GitVersion != k8sVersion || "v"+cv.Major+"."+cv.Minor != k8sVersion[:strings.LastIndex(k8sVersion, ".")] {
		t.Errorf("kubectl version --client: %+v, want %s", cv, k8sVersion)
	}
	if got := version("etcd", "--version"); !regexp.MustCompile(`(?m)^etcd Version: ` + regexp.QuoteMeta(strings.TrimPrefix(etcdVersion, "v")) + `$`).MatchString(got) {
		t.Errorf("etcd --version:\n%s\nwant etcd Version: %s", got, strings.TrimPrefix(etcdVersion, "v"))
	}
}
