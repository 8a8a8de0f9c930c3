package ctrd

import (
	"cmp"
	"context"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// PullProgressInterval is how often Pull reports progress.
const PullProgressInterval = 200 * time.Millisecond

// Pull pulls an image through CRI (runtime.Client.PullImage, same errors)
// and returns the image ref the runtime reports. With a watch, its Report
// gets this pull's progress from containerd's content store (see
// pullTracker for what is counted) every interval while the pull runs, and
// a last report with Finished set after a success; it is never called
// after Pull returns. A runtime that does not serve containerd's content
// API just gets no progress.
func Pull(ctx context.Context, c *runtime.Client, r runtime.PullRequest, watch *PullWatch) (string, error) {
	if watch == nil || watch.Report == nil {
		return c.PullImage(ctx, r)
	}
	// The watch lives no longer than the pull may: PullImage applies the
	// same timeout to its call.
	pctx := ctx
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	w := startPullWatch(pctx, c, r.Image, watch)
	defer w.stop()
	ref, err := c.PullImage(ctx, r)
	if err != nil {
		return "", err
	}
	w.finish(pctx)
	return ref, nil
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

func startPullWatch(ctx context.Context, c *runtime.Client, image string, pw *PullWatch) *pullWatcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &pullWatcher{report: pw.Report, cancel: cancel, done: make(chan struct{}), start: time.Now()}
	every := cmp.Or(pw.Every, PullProgressInterval)
	go func() {
		defer close(w.done)
		cs := pw.Content
		if cs == nil {
			var err error
			if cs, w.ns, err = criContent(ctx, c); err != nil {
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
func criContent(ctx context.Context, c *runtime.Client) (PullContent, string, error) {
	st, err := c.Status(ctx, true)
	if err != nil {
		return nil, "", err
	}
	cd, err := containerd.NewWithConn(c.Conn())
	if err != nil {
		return nil, "", err
	}
	return cd.ContentStore(), ParseCRIConfig(st.GetInfo()).Settings(nil).Namespace, nil
}
