package ctrd_test

import (
	"context"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

const (
	layerType  = ocispec.MediaTypeImageLayerGzip
	configType = ocispec.MediaTypeImageConfig
	manType    = ocispec.MediaTypeImageManifest
)

// pullUnderWatch starts a Pull of image against a fake CRI server
// whose PullImage is held until the returned release is called; reports
// come on the channel.
func pullUnderWatch(t *testing.T, image string, cs *ctrdtest.Content) (<-chan ctrd.PullStatus, func() (string, error)) {
	t.Helper()
	s := runtimetest.New(t)
	c, err := runtime.New(runtime.Options{RuntimeEndpoint: s.Endpoint, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	reports := make(chan ctrd.PullStatus, 1000)
	type res struct {
		ref string
		err error
	}
	done := make(chan res, 1)
	s.ImageService.Lock() // the fake's PullImage waits for it
	go func() {
		ref, err := ctrd.Pull(context.Background(), c, runtime.PullRequest{Image: image},
			&ctrd.PullWatch{Report: func(st ctrd.PullStatus) { reports <- st }, Every: 5 * time.Millisecond, Content: cs})
		done <- res{ref, err}
	}()
	return reports, func() (string, error) {
		s.ImageService.Unlock()
		r := <-done
		return r.ref, r.err
	}
}

// next returns the first report that satisfies ok.
func next(t *testing.T, reports <-chan ctrd.PullStatus, what string, ok func(ctrd.PullStatus) bool) ctrd.PullStatus {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case st := <-reports:
			if ok(st) {
				return st
			}
		case <-deadline:
			t.Fatalf("no report with %s", what)
		}
	}
}

// Finding #18: progress counted every ingest in the namespace, so a
// kubelet pull at the same time inflated it. Only this pull's manifest's
// blobs count now: not another image's ingest, not another repository's
// manifest, not this repository's older manifest.
func TestPullProgressCountsOnlyThisPullsContent(t *testing.T) {
	t.Parallel()
	cs := ctrdtest.NewContent(t)
	const image = "localhost:5000/e2e/hello:1"

	// Before the pull: an older manifest of the same repository, and a base
	// layer this image shares, both already in the store.
	base := ctrdtest.Data('b', 3000)
	cs.Put("layer", layerType, base, "localhost:5000/e2e/hello")
	oldCfg := cs.Put("config", configType, []byte(`{"old":1}`), "localhost:5000/e2e/hello")
	cs.Put("manifest", manType, ctrdtest.Manifest(oldCfg), "localhost:5000/e2e/hello")
	time.Sleep(10 * time.Millisecond) // the pull starts strictly after

	reports, release := pullUnderWatch(t, image, cs)
	// A kubelet pull of another image runs at the same time: its manifest
	// lands and its big layer is being written.
	otherLayer := ctrdtest.Data('o', 5_000_000)
	otherCfg := cs.Put("config", configType, []byte(`{"other":1}`), "localhost:5000/other/app")
	cs.Put("manifest", manType, ctrdtest.Manifest(otherCfg, ctrdtest.Desc(layerType, otherLayer)), "localhost:5000/other/app")
	other := cs.Fetch("layer", layerType, otherLayer).Write(4_000_000)
	defer other.Abort()

	st := next(t, reports, "the other pull under way", func(st ctrd.PullStatus) bool { return st.Elapsed > 20*time.Millisecond })
	if len(st.Blobs) != 0 {
		t.Fatalf("before this pull's manifest arrived, progress showed %+v", st.Blobs)
	}

	// This pull: manifest, config, then its own layer half written.
	layer := ctrdtest.Data('l', 2_000_000)
	cfg := ctrdtest.Desc(configType, []byte(`{"hello":1}`))
	cs.Put("manifest", manType, ctrdtest.Manifest(cfg, ctrdtest.Desc(layerType, base), ctrdtest.Desc(layerType, layer)), "localhost:5000/e2e/hello")
	cs.Label(ctrdtest.Desc(layerType, base).Digest, "localhost:5000/e2e/hello") // found in place
	cs.Put("config", configType, []byte(`{"hello":1}`), "localhost:5000/e2e/hello")
	ours := cs.Fetch("layer", layerType, layer).Write(1_000_000)

	st = next(t, reports, "this pull's layer downloading", func(st ctrd.PullStatus) bool {
		return len(st.Blobs) == 3 && st.Blobs[2].Offset == 1_000_000 && st.Blobs[0].State == ctrd.BlobDone
	})
	if st.Blobs[0].Kind != "config" || st.Blobs[1].Kind != "layer" || st.Blobs[1].State != ctrd.BlobExists || st.Blobs[2].State != ctrd.BlobDownloading {
		t.Errorf("want config (done), base layer (exists), layer (downloading); got %+v", st.Blobs)
	}
	if done, total := st.Downloaded(); done != 1_000_000+cfg.Size || total != 2_000_000+cfg.Size {
		t.Errorf("this pull has %d of %d bytes, progress says %d of %d (the other pull's 4 MB must not count)",
			1_000_000+cfg.Size, 2_000_000+cfg.Size, done, total)
	}

	ours.Commit("localhost:5000/e2e/hello")
	if _, err := release(); err != nil {
		t.Fatal(err)
	}
	var last ctrd.PullStatus
	for len(reports) > 0 {
		last = <-reports
	}
	if !last.Finished || last.Blobs[2].State != ctrd.BlobDone {
		t.Errorf("the last report should be Finished with every blob in: %+v", last)
	}
	if done, total := last.Downloaded(); done != total || total != 2_000_000+cfg.Size {
		t.Errorf("finished: %d of %d bytes, want %d", done, total, 2_000_000+cfg.Size)
	}
}

// Without containerd's content API (another CRI runtime, or the fake), the
// pull goes on and the last report still comes.
func TestPullProgressWithoutContentAPI(t *testing.T) {
	t.Parallel()
	s := runtimetest.New(t)
	c, err := runtime.New(runtime.Options{RuntimeEndpoint: s.Endpoint, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []ctrd.PullStatus
	ref, err := ctrd.Pull(context.Background(), c, runtime.PullRequest{Image: "busybox"},
		&ctrd.PullWatch{Report: func(st ctrd.PullStatus) { got = append(got, st) }, Every: time.Millisecond})
	if err != nil || ref != "busybox" {
		t.Fatalf("pull: %q, %v", ref, err)
	}
	if len(got) == 0 || !got[len(got)-1].Finished || len(got[len(got)-1].Blobs) != 0 {
		t.Errorf("want a last Finished report with no blobs, got %+v", got)
	}
}
