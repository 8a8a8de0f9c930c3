package main

import (
	"flag"
	"os"
	"path/filepath"
	"time"
)

var crictlBin = flag.String("crictl", "_build/bin/crictl", "the real crictl (make crictl), for the paired figures")

// versus is one command run by ours and by the real crictl (and by the
// baseline, when there is one), alternately.
type versus struct {
	ours, ref, base          time.Duration // median wall
	oursRSS, refRSS, baseRSS int64         // median of the peaks, KiB
}

func (v versus) ratio() float64 { return float64(v.ours) / float64(v.ref) }

func (v versus) memRatio() float64 { return float64(v.oursRSS) / float64(v.refRSS) }

// guard records the command's wall time and peak RSS for the regression
// guard.
func (v versus) guard(name string) {
	if haveBase() {
		record(name+" wall", "ms", msf(v.ours), msf(v.base))
		record(name+" peak RSS", "MiB", mib(v.oursRSS), mib(v.baseRSS))
	}
}

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
	oursArgs := append([]string{"-a", ep, "cri", "-t", "30s"}, args...)
	cmds := [][]string{append([]string{*ours}, oursArgs...), append([]string{*crictlBin, "-t", "30s"}, args...)}
	if haveBase() {
		cmds = append(cmds, append([]string{*baseBin}, oursArgs...))
	}
	s, err := interleave(*runs, env, cmds...)
	if err != nil {
		return versus{}, err
	}
	v := versus{ours: s[0].wall, ref: s[1].wall, oursRSS: s[0].rssKiB, refRSS: s[1].rssKiB}
	if haveBase() {
		v.base, v.baseRSS = s[2].wall, s[2].rssKiB
	}
	return v, nil
}

func haveCrictl() bool {
	_, err := os.Stat(*crictlBin)
	return err == nil
}
