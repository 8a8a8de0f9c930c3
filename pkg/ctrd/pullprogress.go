package ctrd

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// BlobState is where one blob of a pull stands.
type BlobState int

const (
	BlobWaiting     BlobState = iota // not started, or restarting
	BlobDownloading                  // an ingest is writing it
	BlobDone                         // written by this pull
	BlobExists                       // was in the content store already
)

func (s BlobState) String() string {
	return [...]string{"waiting", "downloading", "done", "exists"}[s]
}

// PullBlob is one config or layer blob of the image being pulled.
type PullBlob struct {
	Digest string
	Kind   string // "config" or "layer"
	Size   int64  // from the manifest
	Offset int64  // bytes written so far
	State  BlobState
	// Rate is bytes per second since the blob's download began (or, for
	// one resumed from an earlier pull, since this pull first saw it).
	Rate float64
}

// PullStatus is one progress report of Pull.
type PullStatus struct {
	Elapsed time.Duration
	// Blobs are the config and layers of this pull's manifest, in manifest
	// order; empty while the manifest is not known yet.
	Blobs []PullBlob
	// Finished: the pull succeeded and this is its last report.
	Finished bool
}

// Downloaded sums the bytes this pull has written, and the bytes the
// manifest says are still to come.
func (s PullStatus) Downloaded() (done, total int64) {
	for _, b := range s.Blobs {
		if b.State == BlobExists {
			continue
		}
		done += b.Offset
		total += b.Size
	}
	return done, total
}

// PullContent is the part of containerd's content store a pull's progress
// is read from; containerd's client content store is one.
type PullContent interface {
	ListStatuses(ctx context.Context, filters ...string) ([]content.Status, error)
	Walk(ctx context.Context, fn content.WalkFunc, filters ...string) error
	Info(ctx context.Context, dgst digest.Digest) (content.Info, error)
	ReaderAt(ctx context.Context, desc ocispec.Descriptor) (content.ReaderAt, error)
}

// PullWatch asks Pull for progress.
type PullWatch struct {
	// Report gets a PullStatus every Every (default PullProgressInterval)
	// while the pull runs, and one with Finished set when it succeeded.
	Report func(PullStatus)
	Every  time.Duration
	// Content is read for progress; nil: containerd's content store on the
	// runtime's socket, in the namespace CRI's status names.
	Content PullContent
}

// labelDistributionSource is the label prefix containerd's pull puts on
// every blob it fetches or finds, with the registry host appended; the
// value is a comma-separated list of the repositories it came from.
const labelDistributionSource = "containerd.io/distribution.source."

// maxManifestRead bounds what the tracker reads to find a manifest.
const maxManifestRead = 4 << 20

// pullTracker attributes content to one pull. containerd's ingests carry
// no trace of who started them, so a kubelet pull running at the same time
// shows up in the same list. What does tie content to this pull: right
// after fetching (or finding) each blob, containerd labels it with the
// repository it was pulled from, which also bumps its update time. So the
// manifests labelled with this image's repository and updated since the
// pull began are this pull's, and their config and layers — matched to
// ingests by digest — are what is counted. A second pull of another tag of
// the same repository at the same moment is the one case still counted.
type pullTracker struct {
	cs     PullContent
	filter string // blobs labelled with this repository
	start  time.Time
	now    func() time.Time

	looked map[digest.Digest]bool // touched blobs already read or skipped
	blobs  []*trackedBlob
	byDig  map[digest.Digest]*trackedBlob
}

type trackedBlob struct {
	PullBlob
	firstAt  time.Time // where the rate is measured from
	firstOff int64
}

func newPullTracker(cs PullContent, image string, start time.Time) (*pullTracker, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return nil, err
	}
	// containerd's label key carries the host without its port.
	u, err := url.Parse("dummy://" + reference.Domain(named))
	if err != nil {
		return nil, err
	}
	key := labelDistributionSource + u.Hostname()
	re := "(^|,)" + regexp.QuoteMeta(reference.Path(named)) + "(,|$)"
	return &pullTracker{
		cs:     cs,
		filter: "labels." + strconv.Quote(key) + "~=" + strconv.Quote(re),
		start:  start,
		now:    time.Now,
		looked: map[digest.Digest]bool{},
		byDig:  map[digest.Digest]*trackedBlob{},
	}, nil
}

// poll reads the content store once and returns where the pull stands.
func (t *pullTracker) poll(ctx context.Context) (PullStatus, error) {
	now := t.now()
	touched := map[digest.Digest]content.Info{}
	err := t.cs.Walk(ctx, func(info content.Info) error {
		if !info.UpdatedAt.Before(t.start) {
			touched[info.Digest] = info
		}
		return nil
	}, t.filter)
	if err != nil {
		return PullStatus{}, err
	}
	// Sorted, so that with several manifests the display order is stable.
	for _, d := range slices.Sorted(maps.Keys(touched)) {
		if t.looked[d] || t.byDig[d] != nil {
			continue
		}
		t.looked[d] = true
		if touched[d].Size <= maxManifestRead {
			t.addManifest(ctx, touched[d])
		}
	}
	active := map[digest.Digest]content.Status{}
	if len(t.blobs) > 0 {
		st, err := t.cs.ListStatuses(ctx)
		if err != nil {
			return PullStatus{}, err
		}
		for _, s := range st {
			if d, ok := ingestDigest(s.Ref); ok {
				active[d] = s
			}
		}
	}
	out := PullStatus{Elapsed: now.Sub(t.start)}
	for _, b := range t.blobs {
		d := digest.Digest(b.Digest)
		switch s, ok := active[d]; {
		case ok:
			if b.State != BlobDownloading {
				b.State, b.firstAt, b.firstOff = BlobDownloading, now, s.Offset
				if !s.StartedAt.Before(t.start) && s.StartedAt.Before(now) {
					// Started by this pull: measured from its start, so a
					// blob first seen mid-way has a rate at once.
					b.firstAt, b.firstOff = s.StartedAt, 0
				}
			}
			b.Offset = s.Offset
			if dt := now.Sub(b.firstAt).Seconds(); dt > 0 {
				b.Rate = float64(b.Offset-b.firstOff) / dt
			}
		case b.State == BlobWaiting || b.State == BlobDownloading:
			info, found := touched[d]
			if !found {
				var err error
				info, err = t.cs.Info(ctx, d)
				if errdefs.IsNotFound(err) {
					b.State = BlobWaiting // not started, or an ingest given up to be retried
					break
				}
				if err != nil {
					return PullStatus{}, err
				}
			}
			b.Offset = b.Size
			if b.State == BlobDownloading || !info.CreatedAt.Before(t.start) {
				b.State = BlobDone
			} else {
				b.State = BlobExists
			}
		}
		out.Blobs = append(out.Blobs, b.PullBlob)
	}
	return out, nil
}

// addManifest reads a touched blob and, if it is an image manifest, tracks
// its config and layers. Indexes need no reading: the manifest this pull
// picks from one is touched itself.
func (t *pullTracker) addManifest(ctx context.Context, info content.Info) {
	p, err := content.ReadBlob(ctx, t.cs, ocispec.Descriptor{Digest: info.Digest, Size: info.Size})
	if err != nil {
		return // gone again (garbage collected): not this pull's
	}
	var m struct {
		Config *ocispec.Descriptor  `json:"config"`
		Layers []ocispec.Descriptor `json:"layers"`
	}
	if json.Unmarshal(p, &m) != nil || m.Config == nil || m.Config.Digest == "" {
		return
	}
	add := func(d ocispec.Descriptor, kind string) {
		if t.byDig[d.Digest] != nil || d.Digest.Validate() != nil {
			return
		}
		b := &trackedBlob{PullBlob: PullBlob{Digest: d.Digest.String(), Kind: kind, Size: d.Size}}
		t.blobs = append(t.blobs, b)
		t.byDig[d.Digest] = b
	}
	add(*m.Config, "config")
	for _, l := range m.Layers {
		add(l, "layer")
	}
}

// ingestDigest reads the digest out of an ingest ref as containerd's
// fetcher makes them: KIND-DIGEST or KIND-NAME@DIGEST.
func ingestDigest(ref string) (digest.Digest, bool) {
	_, rest, ok := strings.Cut(ref, "-")
	if !ok {
		return "", false
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	d, err := digest.Parse(rest)
	return d, err == nil
}
