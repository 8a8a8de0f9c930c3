package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
	"k8s.io/klog/v2"
)

// LogTarget is the container attempt whose CRI log file logs reads.
type LogTarget struct {
	ID      string // empty for a previous attempt known only by its file
	Name    string
	PodName string
	Attempt uint32
	Path    string
}

// LogTarget resolves ref (ID, prefix or name) and returns its log file, or
// with previous the file of the attempt before it: the same container name
// in the same pod with the highest lower attempt number. It costs one
// ListContainers and one ListPodSandbox call (two more with previous) and
// one ContainerStatus.
func (c *Client) LogTarget(ctx context.Context, ref string, previous bool) (*LogTarget, error) {
	const op = "logs of container"
	res, err := c.ResolveContainers(ctx, []string{ref})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	ct := res[0].Item
	t := &LogTarget{ID: ct.Id, Name: ct.GetMetadata().GetName(), PodName: ct.PodName, Attempt: ct.GetMetadata().GetAttempt()}
	if previous {
		l, err := c.ListContainers(ctx, ContainerFilter{All: true, PodID: ct.PodSandboxId})
		if err != nil {
			return nil, err
		}
		var prev *Container
		for i := range l.Items {
			it := &l.Items[i]
			a := it.GetMetadata().GetAttempt()
			if it.PodSandboxId == ct.PodSandboxId && it.GetMetadata().GetName() == t.Name && a < t.Attempt &&
				(prev == nil || a > prev.GetMetadata().GetAttempt()) {
				prev = it
			}
		}
		if prev == nil {
			return c.previousByFile(ctx, t)
		}
		t = &LogTarget{ID: prev.Id, Name: t.Name, PodName: t.PodName, Attempt: prev.GetMetadata().GetAttempt()}
	}
	st, err := c.ContainerStatus(ctx, t.ID, false)
	if err != nil {
		return nil, err
	}
	t.Path = st.GetStatus().GetLogPath()
	if t.Path == "" {
		return nil, &Error{Kind: KindFailed, Op: op, ID: t.ID, Err: errors.New("the container has no log file (its pod config sets no log_directory)")}
	}
	return t, nil
}

// previousByFile finds the previous attempt's file when its container is
// gone: kubelet names log files <attempt>.log in the container's directory.
func (c *Client) previousByFile(ctx context.Context, cur *LogTarget) (*LogTarget, error) {
	notFound := &Error{Kind: KindFailed, Op: "logs of container", ID: cur.ID,
		Err: fmt.Errorf("no previous attempt of container %q in pod %q", cur.Name, cur.PodName)}
	if cur.Attempt == 0 {
		return nil, notFound
	}
	st, err := c.ContainerStatus(ctx, cur.ID, false)
	if err != nil {
		return nil, err
	}
	p := st.GetStatus().GetLogPath()
	if p == "" || !strings.HasSuffix(p, ".log") {
		return nil, notFound
	}
	prev := filepath.Join(filepath.Dir(p), strconv.FormatUint(uint64(cur.Attempt-1), 10)+".log")
	if _, err := os.Stat(prev); err != nil {
		return nil, notFound
	}
	return &LogTarget{Name: cur.Name, PodName: cur.PodName, Attempt: cur.Attempt - 1, Path: prev}, nil
}

// LogOptions select what ReadLogs prints.
type LogOptions struct {
	Follow     bool
	Tail       int64 // lines from the end; negative: all
	LimitBytes int64 // negative: no limit
	Since      time.Time
	Timestamps bool
	// Stdout and Stderr receive the container's streams as written; nil
	// leaves that stream out.
	Stdout, Stderr io.Writer
}

// StatusEvery is how often a following ReadLogs asks the runtime whether
// the container still runs.
var StatusEvery = time.Second

// ReadLogs copies the target's log file (kubelet's CRI format) to the
// writers. Following continues across rotation (the runtime reopening the
// file after ReopenContainerLog) and ends once the container has exited and
// the file is drained; the runtime is asked for the container's state at
// most once per StatusEvery, however busy the log directory is.
func (c *Client) ReadLogs(ctx context.Context, t *LogTarget, o LogOptions) error {
	const op = "logs of container"
	ref := t.ID
	if ref == "" {
		ref = t.Name
	}
	// A named pipe or device at the log path would block the reader's
	// open past every deadline and signal: only a regular file is read.
	f, err := OpenLogFile(nil, t.Path)
	if err != nil {
		return &Error{Kind: KindFailed, Op: op, ID: ref, Err: err}
	}
	f.Close()
	opts := &logs.LogOptions{Follow: o.Follow && t.ID != "", Since: o.Since, Timestamp: o.Timestamps}
	if o.Tail >= 0 {
		tail := o.Tail
		opts.TailLines = &tail
	}
	if o.LimitBytes >= 0 {
		limit := o.LimitBytes
		opts.LimitBytes = &limit
	}
	// cri-client logs parse problems through the context's logger (klog's
	// global one by default, i.e. stderr): not the user's business.
	ctx = klog.NewContext(ctx, logr.Discard())
	poller := &statusPoller{c: c, every: StatusEvery}
	err = readLogsGuarded(ctx, t.Path, t.ID, opts, poller, o.Stdout, o.Stderr)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	var rerr *Error
	if errors.As(err, &rerr) {
		return err
	}
	return &Error{Kind: KindFailed, Op: op, ID: ref, Err: err}
}

// readLogs is cri-client's reader; a test swaps it for one that calls more
// of the RuntimeService than ContainerStatus.
var readLogs = logs.ReadLogs

// readLogsGuarded turns the panic of a cri-client that calls a method the
// statusPoller does not implement (its embedded interface is nil) into an
// error: an operator's `logs` must fail with a line, not a stack trace.
func readLogsGuarded(ctx context.Context, path, id string, opts *logs.LogOptions, p *statusPoller, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the log reader asked the runtime for more than the container status (%v); please report this", r)
		}
	}()
	return readLogs(ctx, path, id, opts, p, stdout, stderr)
}

// statusPoller is the RuntimeService cri-client's ReadLogs wants: it only
// ever calls ContainerStatus, once per wake-up, and wakes up on every event
// in the log directory. Answers are reused for a while so that a chatty
// directory does not turn into a stream of RPCs.
type statusPoller struct {
	internalapi.RuntimeService // nil: ReadLogs needs ContainerStatus alone

	c     *Client
	every time.Duration
	mu    sync.Mutex
	last  time.Time
	resp  *runtimeapi.ContainerStatusResponse
}

func (p *statusPoller) ContainerStatus(ctx context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resp != nil && time.Since(p.last) < p.every {
		return p.resp, nil
	}
	cctx, cancel := context.WithTimeout(ctx, p.c.opts.Timeout)
	defer cancel()
	resp, err := p.c.rt.ContainerStatus(cctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	p.last = time.Now()
	switch {
	case status.Code(err) == codes.NotFound:
		// Removed while we followed it: it has certainly stopped.
		resp = &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: runtimeapi.ContainerState_CONTAINER_EXITED}}
	case err != nil:
		// ReadLogs treats Unavailable as "still running" and anything else
		// as fatal; keep the gRPC status so it can tell.
		return nil, err
	}
	p.resp = resp
	return resp, nil
}

// ReopenContainerLog asks the runtime to reopen a container's log file, as
// kubelet does after renaming it for rotation.
func (c *Client) ReopenContainerLog(ctx context.Context, id string) error {
	_, err := unary(ctx, c, "reopen log of container", id, func(ctx context.Context) (*runtimeapi.ReopenContainerLogResponse, error) {
		return c.rt.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: id})
	})
	return err
}
