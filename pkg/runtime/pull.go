package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// PullImage pulls an image through CRI and returns the image ref the
// runtime reports (the image ID on containerd). Progress is read from
// containerd's side: ctrd.Pull wraps this call with it.
func (c *Client) PullImage(ctx context.Context, r PullRequest) (string, error) {
	const op = "pulling image" // crictl's words, which its own suite matches
	pctx := ctx
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
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
