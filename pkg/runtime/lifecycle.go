package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

type rpcTimeoutKey struct{}

// WithRPCTimeout makes the lifecycle calls made with ctx (run pod, create,
// start, stop, remove) use d instead of their default budget: crictl's
// --cancel-timeout. d <= 0 keeps the default.
func WithRPCTimeout(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, rpcTimeoutKey{}, d)
}

func (c *Client) rpcTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(rpcTimeoutKey{}).(time.Duration); ok {
		return d
	}
	return c.opts.ListTimeout
}

// mutate runs one lifecycle RPC. These get the list budget by default, not
// the 2s per-RPC timeout: running a pod sets up its network, stopping waits
// for processes, and a deadline does not undo what the runtime goes on
// doing, so a short one only turns a success into a confusing failure.
func mutate(ctx context.Context, c *Client, op, id string, extra time.Duration, f func(context.Context) error) error {
	_, err := call(ctx, c, c.rpcTimeout(ctx)+extra, op, id, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, f(ctx)
	})
	return err
}

// withCause keeps the runtime's message on a NotFound from run pod or
// create container: there the missing thing is an image, a pod or a runtime
// handler, not the object named in the error.
func withCause(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == KindNotFound && e.Err != nil {
		e.Kind = KindFailed
	}
	return err
}

func podName(cfg *runtimeapi.PodSandboxConfig) string {
	m := cfg.GetMetadata()
	return m.GetNamespace() + "/" + m.GetName()
}

// RunPod starts a pod sandbox from cfg with the given runtime handler
// ("" is the runtime's default) and returns its ID.
func (c *Client) RunPod(ctx context.Context, cfg *runtimeapi.PodSandboxConfig, handler string) (string, error) {
	var id string
	err := mutate(ctx, c, "run pod", podName(cfg), 0, func(ctx context.Context) error {
		r, err := c.rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg, RuntimeHandler: handler})
		id = r.GetPodSandboxId()
		return err
	})
	return id, withCause(err)
}

// StopPod stops a pod's containers and tears down its sandbox.
func (c *Client) StopPod(ctx context.Context, id string) error {
	return mutate(ctx, c, "stop pod", id, 0, func(ctx context.Context) error {
		_, err := c.rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id})
		return err
	})
}

// RemovePod removes a pod and its containers.
func (c *Client) RemovePod(ctx context.Context, id string) error {
	return mutate(ctx, c, "remove pod", id, 0, func(ctx context.Context) error {
		_, err := c.rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id})
		return err
	})
}

// CreateContainer creates a container in pod podID and returns its ID.
// podCfg is the config the pod was run with (the runtime may use it).
func (c *Client) CreateContainer(ctx context.Context, podID string, cfg *runtimeapi.ContainerConfig, podCfg *runtimeapi.PodSandboxConfig) (string, error) {
	var id string
	err := mutate(ctx, c, "create container", cfg.GetMetadata().GetName(), 0, func(ctx context.Context) error {
		r, err := c.rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: podID, Config: cfg, SandboxConfig: podCfg})
		id = r.GetContainerId()
		return err
	})
	return id, withCause(err)
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	return mutate(ctx, c, "start container", id, 0, func(ctx context.Context) error {
		_, err := c.rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: id})
		return err
	})
}

// StopContainer stops a container, killing it after grace seconds. The RPC
// budget grows by the grace period, since the runtime waits that long.
func (c *Client) StopContainer(ctx context.Context, id string, grace int64) error {
	return mutate(ctx, c, "stop container", id, time.Duration(grace)*time.Second, func(ctx context.Context) error {
		_, err := c.rt.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: grace})
		return err
	})
}

// RemoveContainer removes a container that is not running.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	return mutate(ctx, c, "remove container", id, 0, func(ctx context.Context) error {
		_, err := c.rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id})
		return err
	})
}

// UpdateContainerResources sends the Linux resources to change. Zero fields
// are absent on the wire and leave the current value alone.
func (c *Client) UpdateContainerResources(ctx context.Context, id string, r *runtimeapi.LinuxContainerResources) error {
	return mutate(ctx, c, "update container", id, 0, func(ctx context.Context) error {
		_, err := c.rt.UpdateContainerResources(ctx, &runtimeapi.UpdateContainerResourcesRequest{ContainerId: id, Linux: r})
		return err
	})
}

// CheckpointContainer writes a checkpoint archive of a container to
// location, a path on the runtime's host. Checkpointing takes time: it gets
// the list budget.
func (c *Client) CheckpointContainer(ctx context.Context, id, location string) error {
	_, err := call(ctx, c, c.opts.ListTimeout, "checkpoint container", id, func(ctx context.Context) (*runtimeapi.CheckpointContainerResponse, error) {
		return c.rt.CheckpointContainer(ctx, &runtimeapi.CheckpointContainerRequest{ContainerId: id, Location: location})
	})
	return err
}

// UpdatePodCIDR sets the runtime's pod CIDR ("" clears it).
func (c *Client) UpdatePodCIDR(ctx context.Context, cidr string) error {
	return mutate(ctx, c, "update runtime config", "", 0, func(ctx context.Context) error {
		_, err := c.rt.UpdateRuntimeConfig(ctx, &runtimeapi.UpdateRuntimeConfigRequest{
			RuntimeConfig: &runtimeapi.RuntimeConfig{NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: cidr}},
		})
		return err
	})
}

// RemoveImage removes an image by its resolved ID.
func (c *Client) RemoveImage(ctx context.Context, id string) error {
	return mutate(ctx, c, "remove image", id, 0, func(ctx context.Context) error {
		_, err := c.img.RemoveImage(ctx, &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: id}})
		return err
	})
}

// UnusedImages returns the images no container (in any state) uses and
// that are not pinned, from one ListContainers and one ListImages call.
func (c *Client) UnusedImages(ctx context.Context) ([]*Image, error) {
	resp, err := list(ctx, c, "list containers", func(ctx context.Context) (*runtimeapi.ListContainersResponse, error) {
		return c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	})
	if err != nil {
		return nil, err
	}
	all, err := c.listImages(ctx)
	if err != nil {
		return nil, err
	}
	idx := newImageIndex(all)
	used := map[string]bool{}
	for _, ct := range resp.Containers {
		used[idx.resolveID(ct.ImageRef)] = true
		used[idx.resolveID(ct.GetImage().GetImage())] = true
	}
	var out []*Image
	for _, im := range all {
		if !used[im.Id] && !im.Pinned {
			out = append(out, im)
		}
	}
	return out, nil
}

// ContainerLog says where a container's log file is: Path is what the
// runtime reports (its pod's log directory joined with the container's
// log path); Rel is the container's own log_path when the runtime's
// verbose status tells it (containerd does), "" otherwise.
type ContainerLog struct {
	Path string
	Rel  string
}

// ContainerLogOf reads a container's log location with one verbose status
// call, for rm to delete the log after the container.
func (c *Client) ContainerLogOf(ctx context.Context, id string) (ContainerLog, error) {
	st, err := c.ContainerStatus(ctx, id, true)
	if err != nil {
		return ContainerLog{}, err
	}
	l := ContainerLog{Path: st.GetStatus().GetLogPath()}
	// containerd's verbose info carries the container's config.
	var info struct {
		Config struct {
			LogPath string `json:"log_path"`
		} `json:"config"`
	}
	if raw := st.GetInfo()["info"]; raw != "" && json.Unmarshal([]byte(raw), &info) == nil {
		l.Rel = info.Config.LogPath
	}
	return l, nil
}

// isRotationSuffix reports what log rotation adds to a log file's name:
// kubelet's ".<YYYYMMDD-hhmmss>" or logrotate's ".<N>", then ".gz" once
// compressed, ".tmp" while being compressed.
func isRotationSuffix(s string) bool {
	s, _ = strings.CutSuffix(s, ".tmp")
	s, _ = strings.CutSuffix(s, ".gz")
	rest, ok := strings.CutPrefix(s, ".")
	if !ok || rest == "" {
		return false
	}
	if date, clock, ok := strings.Cut(rest, "-"); ok {
		return len(date) == 8 && len(clock) == 6 && allDigits(date) && allDigits(clock)
	}
	return allDigits(rest)
}

func allDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// RemoveLogFiles deletes a container's log file and its rotations, and
// nothing else: only inside its pod's log directory (a log path that
// climbs out with ".." is refused), matched exactly (never a glob), and
// never through a symlink that leads out of that directory. Files already
// gone are not an error.
func RemoveLogFiles(l ContainerLog) error {
	if l.Path == "" {
		return nil
	}
	if !filepath.IsAbs(l.Path) {
		return fmt.Errorf("log path %q is not absolute: left alone", l.Path)
	}
	dir, rel := filepath.Split(filepath.Clean(l.Path))
	if l.Rel != "" {
		// The runtime joined (and so cleaned) the pod's directory and
		// rel: a rel that climbs out makes Path point anywhere.
		if !filepath.IsLocal(l.Rel) {
			return fmt.Errorf("log path %q leaves the pod's log directory: left alone", l.Rel)
		}
		rel = filepath.Clean(l.Rel)
		d, ok := strings.CutSuffix(filepath.Clean(l.Path), string(filepath.Separator)+rel)
		if !ok {
			return fmt.Errorf("log path %q is not inside the pod's log directory: left alone", l.Path)
		}
		dir = d
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	var errs []error
	rm := func(name string) {
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	rm(rel)
	sub, base := filepath.Split(rel)
	if d, err := root.Open(cmp.Or(sub, ".")); err == nil {
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			if s, ok := strings.CutPrefix(n, base); ok && isRotationSuffix(s) {
				rm(filepath.Join(sub, n))
			}
		}
	}
	return errors.Join(errs...)
}
