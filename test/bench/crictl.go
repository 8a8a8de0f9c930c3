package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"time"
)

var crictlBin = flag.String("crictl", "_build/bin/crictl", "the real crictl (make crictl), for the paired figures")

// versus is one command run by ours and by the real crictl, alternately.
type versus struct {
	ours, ref       time.Duration // median wall
	oursRSS, refRSS int64         // peak KiB
}

func (v versus) ratio() float64 { return float64(v.ours) / float64(v.ref) }

func (v versus) memRatio() float64 { return float64(v.oursRSS) / float64(v.refRSS) }

// vsCrictl runs `ctr -a EP cri ARGS` and `crictl ARGS` against the same
// endpoint, alternating so that machine noise hits both alike. Both get a
// 30 s per-call timeout (crictl's 2 s default is short for 10k objects on a
// busy machine) and an empty crictl.yaml (no warnings, no retries).
func vsCrictl(ep string, args ...string) (versus, error) {
	cfg := filepath.Join(os.TempDir(), "ctrcri-bench-crictl.yaml")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		return versus{}, err
	}
	env := []string{"CONTAINER_RUNTIME_ENDPOINT=" + ep, "CRI_CONFIG_FILE=" + cfg}
	var wo, wr []time.Duration
	var ro, rr []int64
	for range *runs {
		so, err := run(env, *ours, append([]string{"-a", ep, "cri", "-t", "30s"}, args...)...)
		if err != nil {
			return versus{}, err
		}
		sr, err := run(env, *crictlBin, append([]string{"-t", "30s"}, args...)...)
		if err != nil {
			return versus{}, err
		}
		wo, wr, ro, rr = append(wo, so.wall), append(wr, sr.wall), append(ro, so.rssKiB), append(rr, sr.rssKiB)
	}
	return versus{ours: median(wo), ref: median(wr), oursRSS: slices.Max(ro), refRSS: slices.Max(rr)}, nil
}

func haveCrictl() bool {
	_, err := os.Stat(*crictlBin)
	return err == nil
}
