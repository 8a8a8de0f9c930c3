package devnode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/images"
)

// Test images every node has, as CRI image refs.
const (
	PauseImage   = images.PauseRef
	BusyboxImage = images.BusyboxRef
)

// CgroupParent returns a cgroupfs parent for a pod under the node's
// CgroupRoot. Pod stats (ListPodSandboxStats) fail for a pod without one.
func (n *Node) CgroupParent(podUID string) string {
	return path.Join(n.CgroupRoot, "pod"+podUID)
}

// PodConfig returns a pod config shaped like kubelet's: a fresh UID, its own
// network namespace (an IP from the node's bridge), a cgroup parent, and a
// log directory under Dir/pods. Tests adjust it before RunPod.
func (n *Node) PodConfig(name, namespace string) *runtimeapi.PodSandboxConfig {
	uid := randomHex(8)
	return &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: namespace, Uid: uid},
		Hostname:     name,
		LogDirectory: filepath.Join(n.Dir, "pods", namespace+"_"+name+"_"+uid),
		Labels:       map[string]string{"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace},
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent: n.CgroupParent(uid),
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_POD},
			},
		},
	}
}

// ContainerConfig returns a container config running image with command
// (empty: the image's default) and its log at <name>.log in the pod's log
// directory.
func ContainerConfig(name, image string, command ...string) *runtimeapi.ContainerConfig {
	return &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name},
		Image:    &runtimeapi.ImageSpec{Image: image},
		Command:  command,
		LogPath:  name + ".log",
		Labels:   map[string]string{"io.kubernetes.container.name": name},
		Linux:    &runtimeapi.LinuxContainerConfig{},
	}
}

// RunPod runs a pod from cfg and returns its ID.
func (n *Node) RunPod(ctx context.Context, cfg *runtimeapi.PodSandboxConfig) (string, error) {
	rt, err := n.RuntimeClient()
	if err != nil {
		return "", err
	}
	resp, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
	if err != nil {
		return "", fmt.Errorf("run pod %s/%s: %w", cfg.GetMetadata().GetNamespace(), cfg.GetMetadata().GetName(), err)
	}
	return resp.PodSandboxId, nil
}

// CreateContainer creates a container from cfg in the pod podID, which was
// run from podCfg, and returns its ID. It does not start it.
func (n *Node) CreateContainer(ctx context.Context, podID string, podCfg *runtimeapi.PodSandboxConfig, cfg *runtimeapi.ContainerConfig) (string, error) {
	rt, err := n.RuntimeClient()
	if err != nil {
		return "", err
	}
	resp, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: podID, Config: cfg, SandboxConfig: podCfg})
	if err != nil {
		return "", fmt.Errorf("create container %s in pod %s: %w", cfg.GetMetadata().GetName(), podID, err)
	}
	return resp.ContainerId, nil
}

// RunContainer creates and starts a container and returns its ID.
func (n *Node) RunContainer(ctx context.Context, podID string, podCfg *runtimeapi.PodSandboxConfig, cfg *runtimeapi.ContainerConfig) (string, error) {
	id, err := n.CreateContainer(ctx, podID, podCfg, cfg)
	if err != nil {
		return "", err
	}
	rt, err := n.RuntimeClient()
	if err != nil {
		return "", err
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id}); err != nil {
		return id, fmt.Errorf("start container %s: %w", id, err)
	}
	return id, nil
}

func randomHex(nbytes int) string {
	b := make([]byte, nbytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
