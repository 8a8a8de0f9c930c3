package compat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// Fixture holds the IDs an invocation's placeholders stand for. Roles:
// P a ready pod with R running, X exited (printed out-line/err-line, exit 3)
// and K created containers; shared only: P2 with running R1 and R2, N a
// stopped pod.
type Fixture struct {
	ids  map[string]string // role → full ID
	vars map[string]string // other placeholders: IMG, REG, UID, …
}

func (fx *Fixture) fill(s string) string {
	if fx == nil || !strings.Contains(s, "{") {
		return s
	}
	for role, id := range fx.ids {
		s = strings.ReplaceAll(s, "{"+role+"}", id)
		s = strings.ReplaceAll(s, "{"+role+"13}", id[:13])
	}
	for k, v := range fx.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// pairs returns the replacements that turn this fixture's IDs into role
// names in output, full IDs first so a prefix never splits one.
func (fx *Fixture) pairs() []string {
	if fx == nil {
		return nil
	}
	roles := make([]string, 0, len(fx.ids))
	for r := range fx.ids {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var p []string
	for _, r := range roles {
		p = append(p, fx.ids[r], "<"+r+">")
	}
	for _, r := range roles {
		p = append(p, fx.ids[r][:13], "<"+r+":13>")
	}
	return p
}

const (
	shellR = "echo out-line; echo err-line >&2; exec sleep 3600"
	shellX = "echo out-line; echo err-line >&2; exit 3"
	// extraRef is an image no container uses, for rmi and --prune.
	extraRef = "localhost/compat/extra:1"
	// regRepo:regTag is what the in-test registry serves for pull.
	regRepo = "compat/hello"
	regTag  = "1"
)

// base are the variables every fixture has.
var base = map[string]string{}

func newUID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// kubeletCtr is a container config with the pod labels kubelet puts on
// every container, which crictl's ps shows as POD and NAMESPACE.
func kubeletCtr(cfg *runtimeapi.PodSandboxConfig, name string, command ...string) *runtimeapi.ContainerConfig {
	c := devnode.ContainerConfig(name, devnode.BusyboxImage, command...)
	c.Labels["io.kubernetes.pod.name"] = cfg.Metadata.Name
	c.Labels["io.kubernetes.pod.namespace"] = cfg.Metadata.Namespace
	c.Labels["io.kubernetes.pod.uid"] = cfg.Metadata.Uid
	return c
}

// podSet runs pod ns/name with R, X and K and records them under prefix
// (P, R, X, K).
func podSet(ctx context.Context, fx *Fixture, ns, name string) error {
	cfg := node.PodConfig(name, ns)
	p, err := node.RunPod(ctx, cfg)
	if err != nil {
		return err
	}
	fx.ids["P"] = p
	r, err := node.RunContainer(ctx, p, cfg, kubeletCtr(cfg, "r", "sh", "-c", shellR))
	if err != nil {
		return err
	}
	fx.ids["R"] = r
	x, err := node.RunContainer(ctx, p, cfg, kubeletCtr(cfg, "x", "sh", "-c", shellX))
	if err != nil {
		return err
	}
	fx.ids["X"] = x
	k, err := node.CreateContainer(ctx, p, cfg, kubeletCtr(cfg, "k", "sleep", "3600"))
	if err != nil {
		return err
	}
	fx.ids["K"] = k
	return waitExited(ctx, x)
}

func waitExited(ctx context.Context, id string) error {
	rt, err := node.RuntimeClient()
	if err != nil {
		return err
	}
	for {
		st, err := rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
		if err != nil {
			return err
		}
		if st.Status.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %s did not exit: %w", id, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func newFixture() *Fixture {
	fx := &Fixture{ids: map[string]string{}, vars: map[string]string{"UID": newUID()}}
	for k, v := range base {
		fx.vars[k] = v
	}
	return fx
}

// sharedFixture is the read-only fixture: pod compat/cp (P: R, X, K),
// compat/cq (P2: R1, R2 running) and compat/cn (N, stopped).
func sharedFixture(ctx context.Context) (*Fixture, error) {
	fx := newFixture()
	if err := podSet(ctx, fx, "compat", "cp"); err != nil {
		return nil, err
	}
	cfg := node.PodConfig("cq", "compat")
	p2, err := node.RunPod(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fx.ids["P2"] = p2
	for _, role := range []string{"R1", "R2"} {
		id, err := node.RunContainer(ctx, p2, cfg, kubeletCtr(cfg, strings.ToLower(role), "sh", "-c", shellR))
		if err != nil {
			return nil, err
		}
		fx.ids[role] = id
	}
	n, err := node.RunPod(ctx, node.PodConfig("cn", "compat"))
	if err != nil {
		return nil, err
	}
	rt, err := node.RuntimeClient()
	if err != nil {
		return nil, err
	}
	if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: n}); err != nil {
		return nil, err
	}
	fx.ids["N"] = n
	return fx, nil
}

// freshFixture is pod <ns>/fp with R, X and K, for one binary.
func freshFixture(ctx context.Context, ns string) (*Fixture, error) {
	fx := newFixture()
	return fx, podSet(ctx, fx, ns, "fp")
}

// resetNode removes every pod and every image but the test images, and
// imports what is missing of pause, busybox and the extra image, so both
// binaries of a node-wide invocation start from the same node.
func resetNode(ctx context.Context, withExtra bool) error {
	rt, err := node.RuntimeClient()
	if err != nil {
		return err
	}
	ic, err := node.ImageClient()
	if err != nil {
		return err
	}
	pods, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return err
	}
	for _, p := range pods.Items {
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			return err
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			return err
		}
	}
	want := map[string]string{devnode.PauseImage: images.PauseArchive, devnode.BusyboxImage: images.BusyboxArchive}
	if withExtra {
		want[extraRef] = extraArchive
	}
	imgs, err := ic.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, im := range imgs.Images {
		keep := false
		for _, tag := range im.RepoTags {
			_, k := want[tag]
			keep = keep || k
			have[tag] = true
		}
		if !keep {
			if _, err := ic.RemoveImage(ctx, &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: im.Id}}); err != nil {
				return err
			}
		}
	}
	for ref, archive := range want {
		if have[ref] {
			continue
		}
		if !filepath.IsAbs(archive) {
			archive = filepath.Join(imagesDir, archive)
		}
		if _, err := node.Import(ctx, archive); err != nil {
			return err
		}
	}
	return nil
}

var (
	imagesDir    string // _build/images
	extraArchive string
)

// prepare builds what every fixture needs once: the extra image archive, the
// registry, and the image ID placeholder.
func prepare(ctx context.Context) error {
	repo, err := devnode.RepoRoot()
	if err != nil {
		return err
	}
	b, err := devnode.FindBuild(repo)
	if err != nil {
		return err
	}
	imagesDir = b.Images
	extraArchive = filepath.Join(scratch, "extra.tar")
	if _, err := images.Build(extraArchive, images.Spec{Ref: extraRef, Files: map[string]images.File{"/data": images.Regular([]byte("extra\n"), 0o644)}, Cmd: []string{"/data"}}); err != nil {
		return err
	}
	ic, err := node.ImageClient()
	if err != nil {
		return err
	}
	st, err := ic.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: devnode.BusyboxImage}})
	if err != nil {
		return err
	}
	base["IMG"] = st.Image.Id
	base["IMG13"] = strings.TrimPrefix(st.Image.Id, "sha256:")[:13]
	base["BUSYBOX"] = devnode.BusyboxImage
	base["PAUSE"] = devnode.PauseImage
	host, err := startRegistry()
	if err != nil {
		return err
	}
	base["REG"] = host
	base["SOCK"] = node.Socket
	base["CGROOT"] = node.CgroupRoot
	return nil
}

// startRegistry serves regRepo:regTag from a registry inside the test on
// 127.0.0.1, which containerd reaches over plain HTTP. It runs until the
// test binary exits.
func startRegistry() (string, error) {
	reg := devnode.StartRegistry()
	spec := images.Spec{Ref: regRepo + ":" + regTag, Files: map[string]images.File{"/hello": images.Regular([]byte("hello\n"), 0o644)}, Cmd: []string{"/hello"}}
	if err := reg.Push(regRepo, regTag, spec); err != nil {
		return "", err
	}
	return reg.Host, nil
}
