// Package diagnose gathers the read-only node report of `ctr cri diagnose`
// (schema ctrcri.diagnose/v1) from CRI and containerd's API. It never prints.
package diagnose

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// APIVersion names the schema of Report (docs/diagnose.md). Fields
// may be added within a version; renaming or removing one bumps it.
const APIVersion = "ctrcri.diagnose/v1"

// Limits that keep diagnose fast and its output bounded on any node.
const (
	// DefaultDetails is how many containers get a ContainerStatus
	// call (exit code, reason, log path): the only per-object RPCs.
	DefaultDetails = 20
	maxItems       = 50 // entries per list in the report
	logTailLines   = 5
	logTailBytes   = 16 << 10 // read from the end of a log file
	logLineMax     = 512
	// crashLoopWindow: a container running again less than this after a
	// non-zero exit is crash-looping (an error); kubelet forgets a crash
	// loop's back-off after 10 minutes of running.
	crashLoopWindow    = 10 * time.Minute
	imageFsFullPercent = 85 // kubelet's default image GC high threshold
)

// Severities of a Problem. Errors make diagnose exit 1; warnings are
// reported only.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Report is diagnose's result, in the schema APIVersion.
type Report struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	// DurationMs is how long gathering the report took, in milliseconds.
	DurationMs int64  `json:"durationMs"`
	Node       Node   `json:"node"`
	Endpoint   string `json:"endpoint"`
	// Healthy is true when no problem has severity error.
	Healthy              bool             `json:"healthy"`
	Problems             []Problem        `json:"problems"`
	Versions             Versions         `json:"versions"`
	Conditions           []Condition      `json:"conditions"`
	Config               ConfigSummary    `json:"config"`
	ImageFilesystems     []FsUsage        `json:"imageFilesystems"`
	ContainerFilesystems []FsUsage        `json:"containerFilesystems"`
	Pods                 PodSummary       `json:"pods"`
	Containers           ContainerSummary `json:"containers"`
	Orphans              []ctrd.Orphan    `json:"orphans"`
	MissingLogs          []MissingLog     `json:"missingLogs"`
	// Truncated names the lists that hit the item limit.
	Truncated []string `json:"truncated,omitempty"`
}

// Problem is one finding.
type Problem struct {
	Severity string `json:"severity"`
	// Check is the part of the report it comes from: runtime, network,
	// config, imagefs, pod, container, orphan, log, containerd, cri.
	Check   string `json:"check"`
	Object  string `json:"object,omitempty"`
	Message string `json:"message"`
}

// Versions of everything between the client and the OCI runtime.
type Versions struct {
	Client             string `json:"client"`
	RuntimeName        string `json:"runtimeName"`
	RuntimeVersion     string `json:"runtimeVersion"`
	CRIAPIVersion      string `json:"criAPIVersion"`
	Containerd         string `json:"containerd,omitempty"`
	ContainerdRevision string `json:"containerdRevision,omitempty"`
	Shim               string `json:"shim,omitempty"`
	Runc               string `json:"runc,omitempty"`
	// CNI is the cniVersion of the network configuration CRI loaded: CNI
	// plugins do not report their own version.
	CNI string `json:"cni,omitempty"`
}

// Condition is a CRI runtime condition.
type Condition struct {
	Type    string `json:"type"`
	Status  bool   `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ConfigSummary is the CRI configuration that most often explains a
// broken node.
type ConfigSummary struct {
	Namespace      string           `json:"namespace"`
	Snapshotter    string           `json:"snapshotter"`
	DefaultRuntime string           `json:"defaultRuntime,omitempty"`
	RuntimeType    string           `json:"runtimeType,omitempty"`
	SandboxImage   SandboxImageInfo `json:"sandboxImage"`
	CNI            CNIInfo          `json:"cni"`
}

// SandboxImageInfo says whether the pause image is on the node. Ref is
// empty when the configuration does not name it and no image is pinned.
type SandboxImageInfo struct {
	Ref     string `json:"ref,omitempty"`
	Present bool   `json:"present"`
}

// CNIInfo says whether CRI found a network configuration.
type CNIInfo struct {
	ConfDir     string   `json:"confDir,omitempty"`
	BinDirs     []string `json:"binDirs,omitempty"`
	ConfigFound bool     `json:"configFound"`
	LoadStatus  string   `json:"loadStatus,omitempty"`
}

// FsUsage is one filesystem as CRI reports it, plus its capacity when the
// mount point can be read from here.
type FsUsage struct {
	Mountpoint     string `json:"mountpoint"`
	UsedBytes      uint64 `json:"usedBytes"`
	InodesUsed     uint64 `json:"inodesUsed"`
	CapacityBytes  uint64 `json:"capacityBytes,omitempty"`
	AvailableBytes uint64 `json:"availableBytes,omitempty"`
}

// PodSummary counts pods and lists the not-ready ones that no ready
// sandbox of the same pod has replaced.
type PodSummary struct {
	Total int `json:"total"`
	Ready int `json:"ready"`
	// Terminated counts sandboxes of pods that have finished: not ready,
	// and every container in them exited (see terminated). Neither they
	// nor their containers are problems.
	Terminated int       `json:"terminated"`
	NotReady   []PodItem `json:"notReady"`
}

// PodItem names a pod.
type PodItem struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Attempt   uint32 `json:"attempt"`
	CreatedAt int64  `json:"createdAt"`
}

// ContainerSummary counts containers and lists those in trouble.
type ContainerSummary struct {
	Total    int                `json:"total"`
	Running  int                `json:"running"`
	Problems []ContainerProblem `json:"problems"`
}

// ContainerProblem is the latest attempt of a container that exited with a
// non-zero code, is restarting (attempt > 0) or is in an unknown state.
type ContainerProblem struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	PodID        string `json:"podID"`
	Pod          string `json:"pod,omitempty"`
	PodNamespace string `json:"podNamespace,omitempty"`
	State        string `json:"state"`
	Attempt      uint32 `json:"attempt"`
	// The last termination: this attempt's if it exited, else the
	// previous attempt's. Nil when not examined (see Examined).
	ExitCode   *int32   `json:"exitCode,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Message    string   `json:"message,omitempty"`
	FinishedAt int64    `json:"finishedAt,omitempty"`
	LogPath    string   `json:"logPath,omitempty"`
	LogTail    []string `json:"logTail,omitempty"`
	LogError   string   `json:"logError,omitempty"`
	// Examined is false when the detail budget was spent on others.
	Examined bool `json:"examined"`
}

// MissingLog is a started container whose CRI log file does not exist.
type MissingLog struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	LogPath string `json:"logPath"`
}

// Options shape Run.
type Options struct {
	ClientVersion string
	// Details caps the ContainerStatus calls (DefaultDetails is
	// the CLI's default); 0 makes none.
	Details int
	Now     time.Time
	// Node identifies the machine (NodeIdentity).
	Node Node
	// HostRoot is where the node's root filesystem is seen from here:
	// log files and image filesystems are looked up under it ("" is "/").
	HostRoot string
}

// Run gathers one read-only report of the node. Its RPCs are fixed:
// CRI Version, Status, ImageFsInfo, ListPodSandbox, ListContainers and
// ListImages; containerd's version, containers, tasks, sandboxes and the
// default runtime's info; then at most Details ContainerStatus calls. Only
// an unreachable runtime is an error (the first call); every other failure
// is reported as a problem in the report.
func Run(ctx context.Context, c *runtime.Client, cd ctrd.Containerd, o Options) (*Report, error) {
	start := time.Now()
	r := &Report{APIVersion: APIVersion, Kind: "NodeDiagnosis", Time: o.Now.UTC(), Node: o.Node, Endpoint: c.RuntimeEndpoint(),
		Problems: []Problem{}, Conditions: []Condition{}, Orphans: []ctrd.Orphan{}, MissingLogs: []MissingLog{},
		ImageFilesystems: []FsUsage{}, ContainerFilesystems: []FsUsage{}}
	r.Versions.Client = o.ClientVersion
	r.Pods.NotReady = []PodItem{}
	r.Containers.Problems = []ContainerProblem{}

	v, err := c.Version(ctx)
	if err != nil {
		return nil, err // nothing to report on: exit 3 or 1
	}
	r.Versions.RuntimeName, r.Versions.RuntimeVersion, r.Versions.CRIAPIVersion = v.RuntimeName, v.RuntimeVersion, v.RuntimeApiVersion
	failed := func(check string, err error) {
		r.add(SeverityError, check, "", err.Error())
	}

	// containerd first, as orphans does.
	cv, ctrdErr := ctrd.ReadState(ctx, cd)
	switch {
	case errors.Is(ctrdErr, ctrd.ErrNoContainerd):
		r.add(SeverityWarning, "containerd", "", "containerd's API is not served here: orphans and log files not checked")
	case ctrdErr != nil:
		failed("containerd", ctrdErr)
	}

	st, err := c.Status(ctx, true)
	if err != nil {
		failed("runtime", err)
	}
	cfg := ctrd.ParseCRIConfig(st.GetInfo())
	r.conditions(st)
	fsInfo, err := c.ImageFsInfo(ctx)
	if err != nil {
		failed("imagefs", err)
	}
	pods, podsErr := c.AllPods(ctx)
	if podsErr != nil {
		failed("cri", podsErr)
	}
	cts, ctsErr := c.AllContainers(ctx)
	if ctsErr != nil {
		failed("cri", ctsErr)
	}
	imgs, imgsErr := c.AllImages(ctx)
	if imgsErr != nil {
		failed("cri", imgsErr)
	}

	r.config(cfg, st.GetInfo(), fsInfo, imgs, imgsErr == nil)
	if ctrdErr == nil {
		if ver, err := cd.Version(ctx); err != nil {
			failed("containerd", err)
		} else {
			r.Versions.Containerd, r.Versions.ContainerdRevision = ver.Version, ver.Revision
		}
		if r.Config.RuntimeType != "" {
			binary, _ := cfg.Containerd.Runtimes[r.Config.DefaultRuntime].Options["BinaryName"].(string)
			if ri, err := cd.RuntimeInfo(ctx, r.Config.RuntimeType, binary); err != nil {
				// The error names its operation ("runtime info: …") already.
				r.add(SeverityWarning, "runtime", r.Config.RuntimeType, err.Error())
			} else {
				r.Versions.Shim, r.Versions.Runc = ri.ShimVersion, ri.OCIVersion
			}
		}
	}
	r.filesystems(fsInfo, o.HostRoot)
	finished := terminated(pods, cts)
	podByID := r.pods(pods, finished)
	var logPaths map[string]string
	// Without both CRI lists every containerd object would look orphaned.
	if cv != nil && podsErr == nil && ctsErr == nil {
		r.orphans(ctrd.FindOrphans(cv, cts, pods))
		logPaths = make(map[string]string, len(cv.Containers))
		for _, ct := range cv.Containers {
			logPaths[ct.ID] = ct.LogPath
		}
	}
	host := openHostFS(o.HostRoot)
	defer host.close()
	r.containers(ctx, c, cts, podByID, finished, o.Details, host, o.Now)
	r.missingLogs(cts, logPaths, host)
	r.finish()
	r.DurationMs = time.Since(start).Milliseconds()
	return r, nil
}

func (r *Report) add(sev, check, object, msg string) {
	r.Problems = append(r.Problems, Problem{Severity: sev, Check: check, Object: object, Message: msg})
}

// capped appends within the item limit and remembers what was cut.
func capped[T any](r *Report, list string, s []T, v T) []T {
	if len(s) >= maxItems {
		if !slices.Contains(r.Truncated, list) {
			r.Truncated = append(r.Truncated, list)
		}
		return s
	}
	return append(s, v)
}

func (r *Report) conditions(st *runtimeapi.StatusResponse) {
	for _, c := range st.GetStatus().GetConditions() {
		r.Conditions = append(r.Conditions, Condition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
		if c.Status {
			continue
		}
		msg := c.Type + " is false"
		if c.Reason != "" {
			msg += ": " + c.Reason
		}
		if c.Message != "" {
			msg += ": " + c.Message
		}
		switch c.Type {
		case runtimeapi.RuntimeReady:
			r.add(SeverityError, "runtime", "", msg)
		case runtimeapi.NetworkReady:
			r.add(SeverityError, "network", "", msg)
		default: // e.g. ContainerdHasNoDeprecationWarnings
			r.add(SeverityWarning, "runtime", "", msg)
		}
	}
}

// goCNIConfig is the part of CRI's "cniconfig" info (go-cni's config) read here.
type goCNIConfig struct {
	PluginDirs    []string
	PluginConfDir string
	Networks      []struct {
		Config struct{ Name, CNIVersion string }
	}
}

func (r *Report) config(cfg ctrd.CRIConfig, info map[string]string, fs *runtimeapi.ImageFsInfoResponse, imgs []*runtime.Image, listed bool) {
	s := cfg.Settings(fs.GetImageFilesystems())
	if s.Snapshotter == "" {
		s.Snapshotter = ctrd.DefaultSnapshotter
	}
	c := &r.Config
	c.Namespace, c.Snapshotter = s.Namespace, s.Snapshotter
	c.DefaultRuntime = cfg.Containerd.DefaultRuntimeName
	if rt, ok := cfg.Containerd.Runtimes[c.DefaultRuntime]; ok {
		c.RuntimeType = rt.Type
	}

	// The sandbox image: named by 1.x configs; in 2.x it is the image CRI pins.
	c.SandboxImage.Ref = cmp.Or(cfg.PinnedImages["sandbox"], cfg.SandboxImage)
	if listed {
		idx := runtime.NewImageIndex(imgs)
		if c.SandboxImage.Ref != "" {
			c.SandboxImage.Present = idx.ResolveID(c.SandboxImage.Ref) != ""
		} else {
			for _, im := range imgs {
				if im.Pinned && len(im.RepoTags) > 0 {
					c.SandboxImage.Ref, c.SandboxImage.Present = im.RepoTags[0], true
					break
				}
			}
		}
		if !c.SandboxImage.Present {
			msg := "the sandbox (pause) image is not on the node: the first pod pulls it"
			if c.SandboxImage.Ref == "" {
				msg = "no pinned sandbox (pause) image on the node: the first pod pulls it"
			}
			r.add(SeverityWarning, "config", c.SandboxImage.Ref, msg)
		}
	}

	c.CNI.ConfDir = cfg.CNI.ConfDir
	c.CNI.BinDirs = cfg.CNI.BinDirs
	if len(c.CNI.BinDirs) == 0 && cfg.CNI.BinDir != "" {
		c.CNI.BinDirs = []string{cfg.CNI.BinDir}
	}
	var cni goCNIConfig
	if raw := info["cniconfig"]; raw != "" && json.Unmarshal([]byte(raw), &cni) == nil {
		c.CNI.ConfDir = cmp.Or(c.CNI.ConfDir, cni.PluginConfDir)
		// go-cni always holds the loopback network; a second one came
		// from a configuration file.
		c.CNI.ConfigFound = len(cni.Networks) > 1
		if n := len(cni.Networks); n > 1 {
			r.Versions.CNI = cni.Networks[n-1].Config.CNIVersion
		}
	}
	if s, ok := info["lastCNILoadStatus"]; ok {
		c.CNI.LoadStatus = s
		c.CNI.ConfigFound = s == "OK"
	}
}

func (r *Report) filesystems(fs *runtimeapi.ImageFsInfoResponse, root string) {
	conv := func(u *runtimeapi.FilesystemUsage) FsUsage {
		f := FsUsage{Mountpoint: u.GetFsId().GetMountpoint(), UsedBytes: u.GetUsedBytes().GetValue(), InodesUsed: u.GetInodesUsed().GetValue()}
		var st syscall.Statfs_t
		if f.Mountpoint != "" && syscall.Statfs(capacityPath(root, f.Mountpoint), &st) == nil {
			f.CapacityBytes = st.Blocks * uint64(st.Bsize)
			f.AvailableBytes = st.Bavail * uint64(st.Bsize)
		}
		return f
	}
	for _, u := range fs.GetImageFilesystems() {
		f := conv(u)
		r.ImageFilesystems = append(r.ImageFilesystems, f)
		if f.CapacityBytes > 0 {
			if pct := 100 - f.AvailableBytes*100/f.CapacityBytes; pct >= imageFsFullPercent {
				r.add(SeverityWarning, "imagefs", f.Mountpoint, fmt.Sprintf("image filesystem is %d%% full", pct))
			}
		}
	}
	for _, u := range fs.GetContainerFilesystems() {
		r.ContainerFilesystems = append(r.ContainerFilesystems, conv(u))
	}
}

// terminated returns the sandboxes of pods that have finished: not
// ready, holding at least one container, and every container in them
// exited. That is what kubelet leaves of a pod whose containers ran to an
// end (a Job's pod, any restartPolicy Never or OnFailure pod that
// completed or failed) until the pod is deleted, and of a sandbox it
// replaced; a CronJob's history keeps failed ones for good. Their exit
// codes are the pod's result (the Job's status says it), not the node's
// state. A not-ready sandbox without containers, or with one still
// running, is not finished: that is a pod in trouble.
func terminated(pods []*runtime.Pod, cts []*runtimeapi.Container) map[string]bool {
	notReady := map[string]bool{}
	for _, p := range pods {
		if p.State != runtimeapi.PodSandboxState_SANDBOX_READY {
			notReady[p.Id] = true
		}
	}
	done := map[string]bool{}
	for _, ct := range cts {
		id := ct.PodSandboxId
		if !notReady[id] {
			continue
		}
		if ct.State != runtimeapi.ContainerState_CONTAINER_EXITED {
			notReady[id] = false // a live container: not finished
			delete(done, id)
			continue
		}
		done[id] = true
	}
	return done
}

// pods counts pods and reports not-ready ones unless a ready sandbox of the
// same pod (namespace, name, UID) replaced them (kubelet keeps dead
// sandboxes around for a while after restarting a pod) or the pod has
// finished (terminated).
func (r *Report) pods(pods []*runtime.Pod, finished map[string]bool) map[string]*runtime.Pod {
	byID := make(map[string]*runtime.Pod, len(pods))
	replaced := map[[3]string]bool{}
	for _, p := range pods {
		byID[p.Id] = p
		if p.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			m := p.GetMetadata()
			replaced[[3]string{m.GetNamespace(), m.GetName(), m.GetUid()}] = true
		}
	}
	sorted := slices.Clone(pods)
	runtime.SortPods(sorted)
	r.Pods.Total = len(pods)
	for _, p := range sorted {
		m := p.GetMetadata()
		switch {
		case p.State == runtimeapi.PodSandboxState_SANDBOX_READY:
			r.Pods.Ready++
			continue
		case finished[p.Id]:
			r.Pods.Terminated++
			continue
		case replaced[[3]string{m.GetNamespace(), m.GetName(), m.GetUid()}]:
			continue
		}
		r.Pods.NotReady = capped(r, "pods.notReady", r.Pods.NotReady, PodItem{ID: p.Id, Name: m.GetName(), Namespace: m.GetNamespace(), Attempt: m.GetAttempt(), CreatedAt: p.CreatedAt})
		r.add(SeverityWarning, "pod", m.GetNamespace()+"/"+m.GetName(), "pod is not ready")
	}
	return byID
}

func (r *Report) orphans(os []ctrd.Orphan) {
	for _, o := range os {
		r.Orphans = capped(r, "orphans", r.Orphans, o)
		sev := SeverityWarning
		if o.Severe {
			sev = SeverityError
		}
		r.add(sev, "orphan", cmp.Or(o.Name, o.ID), o.Kind+": "+o.Problem)
	}
}

// containers reports the latest attempt of each container (per pod and
// name) that exited non-zero, restarted, or is in an unknown state; the
// containers of finished pods are left out. The
// exit code needs a ContainerStatus call; those go first to restarting
// containers, then to the newest exited ones, at most budget of them.
func (r *Report) containers(ctx context.Context, c *runtime.Client, cts []*runtimeapi.Container, pods map[string]*runtime.Pod, finished map[string]bool, budget int, root *hostFS, now time.Time) {
	r.Containers.Total = len(cts)
	type key struct{ pod, name string }
	latest := map[key]*runtimeapi.Container{}
	previous := map[key]*runtimeapi.Container{} // the attempt before the latest
	for _, ct := range cts {
		if ct.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			r.Containers.Running++
		}
		if finished[ct.PodSandboxId] {
			continue // a finished pod's result, not examined
		}
		k := key{ct.PodSandboxId, ct.GetMetadata().GetName()}
		cur := latest[k]
		if cur == nil || newer(ct, cur) {
			if cur != nil && (previous[k] == nil || newer(cur, previous[k])) {
				previous[k] = cur
			}
			latest[k] = ct
		} else if previous[k] == nil || newer(ct, previous[k]) {
			previous[k] = ct
		}
	}
	type candidate struct {
		ct, examine *runtimeapi.Container
	}
	var cands []candidate
	for k, ct := range latest {
		switch {
		case ct.GetMetadata().GetAttempt() > 0 && ct.State != runtimeapi.ContainerState_CONTAINER_EXITED && previous[k] != nil:
			cands = append(cands, candidate{ct, previous[k]})
		case ct.GetMetadata().GetAttempt() > 0, ct.State == runtimeapi.ContainerState_CONTAINER_EXITED,
			ct.State == runtimeapi.ContainerState_CONTAINER_UNKNOWN:
			cands = append(cands, candidate{ct, ct})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		ra, rb := a.ct.GetMetadata().GetAttempt() > 0, b.ct.GetMetadata().GetAttempt() > 0
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.ct.CreatedAt, a.ct.CreatedAt), strings.Compare(a.ct.Id, b.ct.Id))
	})
	details, unexamined := budget, 0
	for _, cand := range cands {
		ct := cand.ct
		p := ContainerProblem{ID: ct.Id, Name: ct.GetMetadata().GetName(), PodID: ct.PodSandboxId,
			State: containerStateWord(ct.State), Attempt: ct.GetMetadata().GetAttempt()}
		if pod := pods[ct.PodSandboxId]; pod != nil {
			p.Pod, p.PodNamespace = pod.GetMetadata().GetName(), pod.GetMetadata().GetNamespace()
		}
		object := p.PodNamespace + "/" + p.Pod + "/" + p.Name
		if budget > 0 {
			budget--
			p.Examined = true
			st, err := c.ContainerStatus(ctx, cand.examine.Id, false)
			if err != nil {
				r.add(SeverityError, "container", object, err.Error())
			} else {
				s := st.GetStatus()
				if s.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
					code := s.GetExitCode()
					p.ExitCode, p.Reason, p.Message, p.FinishedAt = &code, s.GetReason(), s.GetMessage(), s.GetFinishedAt()
				}
				p.LogPath = s.GetLogPath()
				p.LogTail, err = tailLog(root, p.LogPath, logTailLines)
				if err != nil {
					p.LogError = err.Error()
				}
			}
		} else {
			unexamined++
		}
		var sev, msg string
		exited := ct.State == runtimeapi.ContainerState_CONTAINER_EXITED
		switch {
		case ct.State == runtimeapi.ContainerState_CONTAINER_UNKNOWN:
			sev, msg = SeverityError, "container state is unknown"
		case exited && p.ExitCode != nil && *p.ExitCode != 0:
			sev, msg = SeverityError, fmt.Sprintf("exited with code %d", *p.ExitCode)
		case p.Attempt > 0:
			sev, msg = SeverityWarning, fmt.Sprintf("restarted %d times", p.Attempt)
			if p.ExitCode != nil {
				msg += fmt.Sprintf(", last exit code %d", *p.ExitCode)
				// Running again after a failure kubelet would still back
				// off from: a crash loop (or OOM kills) between two
				// crashes, not history.
				if *p.ExitCode != 0 && p.FinishedAt > 0 && now.Sub(time.Unix(0, p.FinishedAt)) < crashLoopWindow {
					sev = SeverityError
				}
			}
		case exited && p.Examined:
			continue // exited 0: completed
		default:
			continue // exited, not examined: counted below
		}
		if p.Reason != "" {
			msg += " (" + p.Reason + ")"
		}
		r.Containers.Problems = capped(r, "containers.problems", r.Containers.Problems, p)
		r.add(sev, "container", object, msg)
	}
	if unexamined > 0 {
		r.add(SeverityWarning, "container", "", fmt.Sprintf("%d exited or restarting containers not examined (--details %d)", unexamined, details))
	}
}

func newer(a, b *runtimeapi.Container) bool {
	if a.GetMetadata().GetAttempt() != b.GetMetadata().GetAttempt() {
		return a.GetMetadata().GetAttempt() > b.GetMetadata().GetAttempt()
	}
	return a.CreatedAt > b.CreatedAt
}

func containerStateWord(s runtimeapi.ContainerState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "CONTAINER_"))
}

// missingLogs reports started containers whose log file is gone; paths
// come from containerd's records of CRI's metadata, not from per-container
// calls.
func (r *Report) missingLogs(cts []*runtimeapi.Container, paths map[string]string, root *hostFS) {
	for _, ct := range cts {
		path := paths[ct.Id]
		if path == "" || ct.State == runtimeapi.ContainerState_CONTAINER_CREATED {
			continue
		}
		if _, err := root.stat(path); errors.Is(err, fs.ErrNotExist) {
			r.MissingLogs = capped(r, "missingLogs", r.MissingLogs, MissingLog{ID: ct.Id, Name: ct.GetMetadata().GetName(), LogPath: path})
			r.add(SeverityWarning, "log", ct.GetMetadata().GetName(), "log file "+path+" does not exist")
		}
	}
}

// capacityPath is what statfs measures an image filesystem by: the
// snapshotter's metadata.db when it is there, else its directory. A pod
// needs only that one small file of the node mounted (as deploy/ does),
// not every container's root filesystem below the directory; with the
// directory mounted whole both give the same figures.
func capacityPath(root, mountpoint string) string {
	dir := onHost(root, mountpoint)
	db := filepath.Join(dir, "metadata.db")
	if fi, err := os.Stat(db); err == nil && fi.Mode().IsRegular() {
		return db
	}
	return dir
}

// hostFS reads the node's files: below the host root, when there is one,
// resolved inside it (os.Root), so that a symbolic link under the node's
// /var/log/pods cannot lead to a file outside it.
type hostFS struct {
	root *os.Root // nil: the node's root is this machine's "/"
	err  error    // the host root could not be opened
}

func openHostFS(dir string) *hostFS {
	if dir == "" || dir == "/" {
		return &hostFS{}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return &hostFS{err: fmt.Errorf("host root: %w", err)}
	}
	return &hostFS{root: r}
}

func (h *hostFS) close() {
	if h.root != nil {
		h.root.Close()
	}
}

// stat looks a node path up, inside the host root.
func (h *hostFS) stat(path string) (fs.FileInfo, error) {
	switch {
	case h.err != nil:
		return nil, h.err
	case h.root != nil:
		return h.root.Stat(strings.TrimLeft(path, "/"))
	}
	return os.Stat(path)
}

// onHost maps a path on the node to where it is seen from here.
func onHost(root, path string) string {
	if root == "" || root == "/" || path == "" {
		return path
	}
	return filepath.Join(root, path)
}

// finish orders problems (errors first) and bounds them.
func (r *Report) finish() {
	rank := func(s string) int {
		if s == SeverityError {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return cmp.Compare(rank(a.Severity), rank(b.Severity)) })
	r.Healthy = !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Severity == SeverityError })
	if len(r.Problems) > 2*maxItems {
		r.Problems = r.Problems[:2*maxItems]
		r.Truncated = append(r.Truncated, "problems")
	}
}

// Errors counts problems of severity error.
func (r *Report) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			n++
		}
	}
	return n
}

// tailLog returns the last n messages of a CRI log file (kubelet format:
// "TIMESTAMP STREAM P|F MESSAGE"), reading at most logTailBytes from its
// end and cutting each line to logLineMax bytes.
func tailLog(h *hostFS, path string, n int) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	if h.err != nil {
		return nil, h.err
	}
	f, err := runtime.OpenLogFile(h.root, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(fi.Size()-logTailBytes, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if off > 0 { // drop the partial first line
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	var msgs []string
	partial := ""
	for line := range strings.Lines(string(buf)) {
		line = strings.TrimSuffix(line, "\n")
		fields := strings.SplitN(line, " ", 4)
		if len(fields) < 3 {
			continue
		}
		msg := ""
		if len(fields) == 4 {
			msg = fields[3]
		}
		if fields[2] == "P" {
			partial += msg
			continue
		}
		msg, partial = partial+msg, ""
		if len(msg) > logLineMax {
			msg = msg[:logLineMax] + "…"
		}
		msgs = append(msgs, msg)
	}
	return msgs[max(len(msgs)-n, 0):], nil
}
