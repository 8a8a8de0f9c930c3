package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/console"
	"github.com/google/go-containerregistry/pkg/registry"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// The e2e tests of the lifecycle commands drive ctr cri the way an operator
// would: config files on disk, IDs, prefixes and names on the command line.

var fullID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// podFile writes a kubelet-like pod config as YAML (own network namespace,
// a cgroup parent, logs under the node dir) and removes any pod made from it
// when the test ends. It returns the path and the pod's name.
func podFile(t *testing.T, name string) string {
	t.Helper()
	n := testNode(t)
	cfg := n.PodConfig(name, "e2e")
	doc := fmt.Sprintf(`# pod for %s
metadata:
  name: %s
  namespace: e2e
  uid: %s
hostname: %s
log_directory: %s
labels:
  e2e-test: %s
linux:
  cgroup_parent: %s
  security_context:
    namespace_options:
      network: %d  # %s
`, t.Name(), name, cfg.Metadata.Uid, name, cfg.LogDirectory, name, cfg.Linux.CgroupParent,
		cfg.Linux.SecurityContext.NamespaceOptions.Network, cfg.Linux.SecurityContext.NamespaceOptions.Network)
	t.Cleanup(func() { removePodsLabelled(t, name) })
	return writeConfig(t, "pod.yaml", doc)
}

// ctrFile writes a container config running busybox `sleep 3600`.
func ctrFile(t *testing.T, name, image string) string {
	t.Helper()
	return writeConfig(t, name+".yaml", fmt.Sprintf(`metadata:
  name: %s
image:
  image: %s
command: [sleep, "3600"]
log_path: %s.log
`, name, image, name))
}

func writeConfig(t *testing.T, name, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// podsLabelled lists, through CRI, the pods podFile made for name.
func podsLabelled(t *testing.T, name string) []*runtimeapi.PodSandbox {
	t.Helper()
	resp, err := runtimeClient(t).ListPodSandbox(context.Background(), &runtimeapi.ListPodSandboxRequest{
		Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"e2e-test": name}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Items
}

func removePodsLabelled(t *testing.T, name string) {
	for _, p := range podsLabelled(t, name) {
		removePod(t, p.Id)
	}
}

// oneLine checks stdout is exactly one full ID and returns it.
func oneID(t *testing.T, what, stdout string) string {
	t.Helper()
	id := strings.TrimSuffix(stdout, "\n")
	if !fullID.MatchString(id) {
		t.Fatalf("%s printed %q, want one full ID", what, stdout)
	}
	return id
}

func wantOK(t *testing.T, r devnode.Result, stdout string) {
	t.Helper()
	if r.Code != 0 || r.Stderr != "" || r.Stdout != stdout {
		t.Fatalf("want exit 0, stdout %q, empty stderr; got exit %d, stdout %q, stderr %q", stdout, r.Code, r.Stdout, r.Stderr)
	}
}

func wantFail(t *testing.T, r devnode.Result, code int, stderrHas string) {
	t.Helper()
	if r.Code != code || !strings.Contains(r.Stderr, stderrHas) || strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("want exit %d and one stderr line with %q; got exit %d, stderr %q", code, stderrHas, r.Code, r.Stderr)
	}
}

// A pod goes through its whole life with the commands naming it by full ID,
// by unique prefix and by name.
func TestPodLifecycle(t *testing.T) {
	for _, style := range []string{"id", "prefix", "name"} {
		t.Run(style, func(t *testing.T) {
			name := "life-" + style
			ctrName := "sleeper-" + style
			podCfg, ctrCfg := podFile(t, name), ctrFile(t, ctrName, devnode.BusyboxImage)

			podID := oneID(t, "runp", mustCtr(t, "cri", "runp", podCfg))
			podRef, ctrRefOf := podID, func(id string) string { return id }
			switch style {
			case "prefix":
				podRef, ctrRefOf = podID[:12], func(id string) string { return id[:12] }
			case "name":
				podRef, ctrRefOf = "e2e/"+name, func(string) string { return ctrName }
			}
			ctrID := oneID(t, "create", mustCtr(t, "cri", "create", podRef, ctrCfg, podCfg))
			ctrRef := ctrRefOf(ctrID)

			wantOK(t, ctr(t, "cri", "start", ctrRef), ctrID+"\n")
			if ps := mustCtr(t, "cri", "ps", "-q", "--pod", podID); ps != ctrID+"\n" {
				t.Errorf("ps -q --pod %s = %q, want the running container", podID[:12], ps)
			}
			wantOK(t, ctr(t, "cri", "stop", "-t", "1", ctrRef), ctrID+"\n")
			if st := mustCtr(t, "cri", "inspect", "-o", "go-template={{.status.state}}", ctrRef); st != "CONTAINER_EXITED\n" {
				t.Errorf("after stop the container is %q", st)
			}
			wantOK(t, ctr(t, "cri", "rm", ctrRef), ctrID+"\n")
			if ps := mustCtr(t, "cri", "ps", "-a", "-q", "--pod", podID); ps != "" {
				t.Errorf("after rm ps -a still shows %q", ps)
			}
			wantOK(t, ctr(t, "cri", "stopp", podRef), "Stopped sandbox "+podID+"\n")
			if st := mustCtr(t, "cri", "pods", "-o", "go-template={{range .items}}{{.state}}{{end}}", "--id", podID); st != "SANDBOX_NOTREADY\n" {
				t.Errorf("after stopp the pod is %q", st)
			}
			wantOK(t, ctr(t, "cri", "rmp", podRef), "Removed sandbox "+podID+"\n")
			if left := podsLabelled(t, name); len(left) != 0 {
				t.Errorf("after rmp the pod is still there: %v", left)
			}
		})
	}
}

// run makes the pod and the container in one step; rmp -f takes both away.
func TestRunEndToEnd(t *testing.T) {
	name := "run-e2e"
	// The image exists only on this node: crictl's default (pull every
	// time) would fail, so say "only when absent".
	r := ctr(t, "cri", "run", "--pull", "missing", ctrFile(t, "sleeper", devnode.BusyboxImage), podFile(t, name))
	ctrID := oneID(t, "run", r.Stdout)
	if r.Stderr != "" {
		t.Errorf("run wrote to stderr: %q", r.Stderr)
	}
	pods := podsLabelled(t, name)
	if len(pods) != 1 || pods[0].State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("run should leave one ready pod, got %v", pods)
	}
	ps := mustCtr(t, "cri", "ps", "--name", "^sleeper$", "--pod", pods[0].Id, "-o", "go-template={{range .containers}}{{.id}} {{.state}}{{end}}")
	if ps != ctrID+" CONTAINER_RUNNING\n" {
		t.Errorf("ps after run: %q", ps)
	}
	// update: only the memory limit is sent, and the runtime keeps it.
	wantOK(t, ctr(t, "cri", "update", "--memory", "64Mi", ctrID[:10]), ctrID+"\n")
	mem := mustCtr(t, "cri", "inspect", "-o", "go-template={{.status.resources.linux.memoryLimitInBytes}}", ctrID)
	if mem != "67108864\n" {
		t.Errorf("memory limit after update --memory 64Mi: %q", mem)
	}
	wantOK(t, ctr(t, "cri", "rmp", "-f", "e2e/"+name), "Stopped sandbox "+pods[0].Id+"\nRemoved sandbox "+pods[0].Id+"\n")
	if left := podsLabelled(t, name); len(left) != 0 {
		t.Errorf("rmp -f left %v", left)
	}
}

// When a step after the pod started fails, run takes the pod away again.
func TestRunFailureRemovesItsPod(t *testing.T) {
	name := "run-fails"
	r := ctr(t, "cri", "run", "--pull", "never", ctrFile(t, "ghost", "localhost/ctrcri/nonexistent:1"), podFile(t, name))
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, `create container "ghost": `) || !strings.Contains(r.Stderr, "localhost/ctrcri/nonexistent:1") ||
		!strings.Contains(r.Stderr, "the pod it started was removed again") {
		t.Errorf("run with a missing image: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if left := podsLabelled(t, name); len(left) != 0 {
		t.Errorf("the failed run left its pod behind: %v", left)
	}
}

// A malformed config is refused before anything reaches the runtime.
func TestMalformedConfigLeavesNoPod(t *testing.T) {
	name := "malformed"
	good := podFile(t, name)
	data, _ := os.ReadFile(good)
	bad := writeConfig(t, "bad.yaml", strings.Replace(string(data), "hostname:", "hostnmae:", 1))
	wantFail(t, ctr(t, "cri", "runp", bad), 2, bad+`:6:1: hostnmae: unknown field in PodSandboxConfig (did you mean "hostname"?)`)
	badCtr := writeConfig(t, "c.yaml", "metadata: {name: x}\nimage: {image: "+devnode.BusyboxImage+"}\ncommand: sleep 3600\n")
	wantFail(t, ctr(t, "cri", "run", badCtr, good), 2, badCtr+":3:10: command: want a list of strings")
	if left := podsLabelled(t, name); len(left) != 0 {
		t.Errorf("a malformed config made a pod: %v", left)
	}
}

// Unlike crictl, stopping something that does not exist is an error.
func TestStopUnknownIDFails(t *testing.T) {
	wantFail(t, ctr(t, "cri", "stop", "deadbeef"), 1, `ctr: container "deadbeef": not found`)
	wantFail(t, ctr(t, "cri", "stopp", "no-such-pod"), 1, `ctr: pod "no-such-pod": not found`)
}

// registryWith serves im on 127.0.0.1 from a registry inside the test. If
// user is set, every request needs that basic auth. slow delays the middle
// of the layer download by that long.
func registryWith(t *testing.T, im *images.Image, repo, tag, user, pass string, slow time.Duration) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		if slow > 0 && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+im.LayerDesc.Digest.String()) {
			w.Header().Set("Content-Length", fmt.Sprint(len(im.Layer)))
			w.Header().Set("Docker-Content-Digest", im.LayerDesc.Digest.String())
			half := len(im.Layer) / 2
			_, _ = w.Write(im.Layer[:half])
			w.(http.Flusher).Flush()
			time.Sleep(slow)
			_, _ = w.Write(im.Layer[half:])
			return
		}
		reg.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	put := func(method, url, ctype string, body []byte) {
		req, _ := http.NewRequest(method, srv.URL+url, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %s", method, url, resp.Status)
		}
	}
	for _, b := range []struct {
		data []byte
		d    string
	}{{im.Layer, im.LayerDesc.Digest.String()}, {im.Config, im.ConfigDesc.Digest.String()}} {
		put(http.MethodPost, "/v2/"+repo+"/blobs/uploads/?digest="+b.d, "application/octet-stream", b.data)
	}
	put(http.MethodPut, "/v2/"+repo+"/manifests/"+tag, im.ManifestDesc.MediaType, im.Manifest)
	return host
}

// testImage is a small image with a file of size bytes that do not
// compress, so the layer is that big too.
func testImage(t *testing.T, ref string, size int) *images.Image {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.NewChaCha8([32]byte{byte(size)}).Read(data)
	im, err := images.Assemble(images.Spec{Ref: ref, Files: map[string]images.File{"/data": images.Regular(data, 0o644)}, Cmd: []string{"/data"}})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// pull gets an image from a registry, images shows it, rmi removes it.
func TestPullImagesRmi(t *testing.T) {
	im := testImage(t, "e2e/hello:1", 4096)
	host := registryWith(t, im, "e2e/hello", "1", "", "", 0)
	ref := host + "/e2e/hello:1"

	wantOK(t, ctr(t, "cri", "pull", ref), "Image is up to date for "+im.ID()+"\n")
	out := mustCtr(t, "cri", "images", host+"/e2e/hello")
	if !strings.Contains(out, host+"/e2e/hello") || !strings.Contains(out, "   1   ") || !strings.Contains(out, strings.TrimPrefix(im.ID(), "sha256:")[:13]) {
		t.Errorf("images does not show the pulled image:\n%s", out)
	}
	wantOK(t, ctr(t, "cri", "rmi", ref), "Deleted: "+ref+"\n")
	if out := mustCtr(t, "cri", "images", "-q", host+"/e2e/hello"); out != "" {
		t.Errorf("rmi left %q", out)
	}
	wantFail(t, ctr(t, "cri", "rmi", ref), 1, `image "`+ref+`": not found`)
}

// A registry that wants a login gets it from CRICTL_CREDS, with the secret
// never in argv nor in --debug output; without it the pull fails in one line.
func TestPullWithCredentials(t *testing.T) {
	const user, pass = "e2e", "pa55-w0rd-e2e"
	im := testImage(t, "e2e/private:1", 2048)
	host := registryWith(t, im, "e2e/private", "1", user, pass, 0)
	ref := host + "/e2e/private:1"
	t.Cleanup(func() {
		_, _ = imageClient(t).RemoveImage(context.Background(), &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: im.ID()}})
	})

	r := ctr(t, "cri", "pull", ref)
	if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, `ctr: pulling image "`+ref+`"`) {
		t.Errorf("anonymous pull of a private image: exit %d, stderr %q", r.Code, r.Stderr)
	}
	t.Run("CRICTL_CREDS", func(t *testing.T) {
		t.Setenv("CRICTL_CREDS", user+":"+pass)
		r := ctr(t, "cri", "--debug", "pull", ref)
		if r.Code != 0 || r.Stdout != "Image is up to date for "+im.ID()+"\n" {
			t.Fatalf("pull with CRICTL_CREDS: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		if strings.Contains(r.Stderr, pass) || !strings.Contains(r.Stderr, "PullImage") {
			t.Errorf("--debug must trace the pull without the password:\n%s", r.Stderr)
		}
	})
	wantOK(t, ctrStdin(t, pass+"\n", "cri", "pull", "-u", user, "--password-stdin", ref), "Image is up to date for "+im.ID()+"\n")
}

// On a terminal, pull shows its download progress on stderr (bars, then one
// line) and prompts for a password without echoing it.
func TestPullProgressAndPromptOnATerminal(t *testing.T) {
	const user, pass = "tty", "typed-secret"
	im := testImage(t, "e2e/slow:1", 256<<10)
	host := registryWith(t, im, "e2e/slow", "1", user, pass, 2*time.Second)
	ref := host + "/e2e/slow:1"
	t.Cleanup(func() {
		_, _ = imageClient(t).RemoveImage(context.Background(), &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: im.ID()}})
	})

	master, slavePath, err := console.NewPty()
	if err != nil {
		t.Fatalf("no pty for the terminal test: %v", err)
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(screen.String(), s) }

	ctx, cancel := context.WithTimeout(t.Context(), devnode.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ctrBin, "--address", testNode(t).Socket, "cri", "pull", "-u", user, ref)
	cmd.Env = devnode.CleanEnv()
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &stdout, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	for deadline := time.Now().Add(30 * time.Second); !seen("Password for " + user + ": "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no password prompt on the terminal")
		}
	}
	_, _ = io.WriteString(master, pass+"\n")
	err = cmd.Wait()
	time.Sleep(100 * time.Millisecond) // let the reader drain the pty
	mu.Lock()
	out := screen.String()
	mu.Unlock()
	t.Logf("terminal:\n%q", out)
	if err != nil || stdout.String() != "Image is up to date for "+im.ID()+"\n" {
		t.Fatalf("pull on a terminal: %v, stdout %q", err, stdout.String())
	}
	if strings.Contains(out, pass) {
		t.Error("the typed password was echoed")
	}
	if !strings.Contains(out, "layer  "+short(im.LayerDesc.Digest.String())+"  |") {
		t.Errorf("no download bar for the layer on the terminal:\n%q", out)
	}
	if last := out[strings.LastIndex(out, "\x1b[J")+3:]; !strings.HasPrefix(last, "Pulled "+ref+" in ") || strings.Count(last, "\n") != 1 {
		t.Errorf("the bars should give way to one line at the end:\n%q", out)
	}
}

// crictl's base64 form of the credentials works too.
func TestPullAuthFlagIsBase64(t *testing.T) {
	const user, pass = "b64", "b64-secret"
	im := testImage(t, "e2e/b64:1", 1024)
	host := registryWith(t, im, "e2e/b64", "1", user, pass, 0)
	ref := host + "/e2e/b64:1"
	t.Cleanup(func() {
		_, _ = imageClient(t).RemoveImage(context.Background(), &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: im.ID()}})
	})
	t.Setenv("CRICTL_AUTH", base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	wantOK(t, ctr(t, "cri", "pull", ref), "Image is up to date for "+im.ID()+"\n")
}
