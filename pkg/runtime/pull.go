package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRINamespace is the containerd namespace the CRI plugin keeps its images,
// containers and content ingests in.
const CRINamespace = "k8s.io"

// PullRequest is one image pull.
type PullRequest struct {
	Image       string
	Annotations map[string]string
	Auth        *runtimeapi.AuthConfig // nil: anonymous
	PodConfig   *runtimeapi.PodSandboxConfig
	// Timeout bounds the pull; 0 leaves it to ctx (pulls may take minutes).
	Timeout time.Duration
}

// ProgressInterval is how often PullImage reports progress.
const ProgressInterval = 200 * time.Millisecond

// PullImage pulls an image through CRI and returns the image ref the
// runtime reports (the image ID on containerd). With a watch, its Report
// gets this pull's progress from containerd's content store (see
// pullTracker for what is counted) every interval while the pull runs, and
// a last report with Finished set after a success; it is never called
// after PullImage returns. A runtime that does not serve containerd's
// content API just gets no progress.
func (c *Client) PullImage(ctx context.Context, r PullRequest, watch *PullWatch) (string, error) {
	const op = "pull image"
	pctx := ctx
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	var w *pullWatcher
	if watch != nil && watch.Report != nil {
		w = c.startPullWatch(pctx, r.Image, watch)
		defer w.stop()
	}
	resp, err := c.img.PullImage(pctx, &runtimeapi.PullImageRequest{
		Image:         &runtimeapi.ImageSpec{Image: r.Image, Annotations: r.Annotations},
		Auth:          r.Auth,
		SandboxConfig: r.PodConfig,
	})
	if err != nil {
		if r.Timeout > 0 && ctx.Err() == nil && (errors.Is(pctx.Err(), context.DeadlineExceeded) || serverDeadline(pctx, err)) {
			// A slow registry is not an unreachable runtime (exit 3).
			return "", &Error{Kind: KindFailed, Op: op, ID: r.Image, Endpoint: c.imageEP,
				Err: fmt.Errorf("not done within --pull-timeout %s", r.Timeout), Hint: "raise --pull-timeout, or 0 for no limit"}
		}
		if status.Code(err) == codes.DeadlineExceeded && pctx.Err() == nil {
			// The runtime answered: a deadline of its own (a registry
			// timing out), not the runtime being unreachable.
			return "", &Error{Kind: KindFailed, Op: op, ID: r.Image, Endpoint: c.imageEP, Err: errors.New(grpcMessage(err))}
		}
		err = c.wrap(pctx, op, r.Image, err)
		var e *Error
		if errors.As(err, &e) && r.Auth == nil && e.Kind == KindFailed && strings.Contains(e.Error(), "authoriz") {
			e.Hint = "if the registry needs a login: --creds, --auth or --username"
		}
		return "", err
	}
	if w != nil {
		w.finish(pctx)
	}
	return resp.ImageRef, nil
}

// serverDeadline reports whether err is the runtime's DeadlineExceeded for
// the --pull-timeout deadline it was sent: the server's timer can fire a
// little before the client's, and the runtime did answer, so this is the
// pull timing out, not an unreachable runtime.
func serverDeadline(pctx context.Context, err error) bool {
	dl, ok := pctx.Deadline()
	return ok && status.Code(err) == codes.DeadlineExceeded && time.Until(dl) < time.Second
}

// pullWatcher reports a pull's progress from a goroutine of its own.
type pullWatcher struct {
	report func(PullStatus)
	cancel context.CancelFunc
	done   chan struct{}
	start  time.Time
	// Set by the goroutine, read after done: what to poll, in which
	// containerd namespace.
	tracker *pullTracker
	ns      string
}

func (c *Client) startPullWatch(ctx context.Context, image string, pw *PullWatch) *pullWatcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &pullWatcher{report: pw.Report, cancel: cancel, done: make(chan struct{}), start: time.Now()}
	every := cmp.Or(pw.Every, ProgressInterval)
	go func() {
		defer close(w.done)
		cs := pw.Content
		if cs == nil {
			var err error
			if cs, w.ns, err = c.criContent(ctx); err != nil {
				return
			}
			ctx = namespaces.WithNamespace(ctx, w.ns)
		}
		t, err := newPullTracker(cs, image, w.start)
		if err != nil {
			return
		}
		w.tracker = t
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			st, err := t.poll(ctx)
			if ctx.Err() != nil {
				return // stopped: finish may still poll once more
			}
			if err != nil {
				// No content API (not containerd), or it went away: the
				// pull goes on without progress.
				w.tracker = nil
				return
			}
			w.report(st)
		}
	}()
	return w
}

// stop ends the goroutine and waits for it.
func (w *pullWatcher) stop() {
	w.cancel()
	<-w.done
}

// finish stops the goroutine and reports once more, with Finished set,
// what the pull's content came to.
func (w *pullWatcher) finish(ctx context.Context) {
	w.stop()
	st := PullStatus{Elapsed: time.Since(w.start)}
	if w.tracker != nil {
		if w.ns != "" {
			ctx = namespaces.WithNamespace(ctx, w.ns)
		}
		if s, err := w.tracker.poll(ctx); err == nil {
			st = s
		}
	}
	st.Finished = true
	w.report(st)
}

// criContent is containerd's content store on the runtime's socket, in the
// namespace CRI keeps its content in (from its verbose status).
func (c *Client) criContent(ctx context.Context) (PullContent, string, error) {
	st, err := c.Status(ctx, true)
	if err != nil {
		return nil, "", err
	}
	var cfg struct {
		Namespace string `json:"containerdNamespace"`
	}
	_ = json.Unmarshal([]byte(st.GetInfo()["config"]), &cfg) // an unknown shape leaves the default
	cd, err := containerd.NewWithConn(c.conn)
	if err != nil {
		return nil, "", err
	}
	return cd.ContentStore(), cmp.Or(cfg.Namespace, CRINamespace), nil
}

// HasImage reports whether the runtime has an image for ref (a name as
// given in a container config, or an ID), with one ImageStatus call.
func (c *Client) HasImage(ctx context.Context, ref string) (bool, error) {
	resp, err := unary(ctx, c, "image status", ref, func(ctx context.Context) (*runtimeapi.ImageStatusResponse, error) {
		return c.img.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	})
	if err != nil {
		if IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return resp.Image != nil, nil
}
