package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	gen "github.com/ctrcri/ctrcri/test/fleet"
)

// fleetNodes is the fleet size the merge target is set for.
const fleetNodes = 10_000

// benchFleet merges 10,000 generated node reports (real diagnose runs on
// fake nodes with injected problems, ~10% unhealthy) from one NDJSON file.
func benchFleet() error {
	dir, err := os.MkdirTemp("", "ctrcri-bench-fleet")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "reports.ndjson")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := gen.Generate(w, gen.Options{N: fleetNodes, Seed: 1, Now: time.Now()}); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	f.Close()
	fmt.Printf("\ndiagnose merge of %d node reports (%.1f MB NDJSON):\n", fleetNodes, fileMB(path))
	for _, format := range []string{"json", "table"} {
		var walls []time.Duration
		var rss []int64
		for range max(3, *runs/3) {
			s, err := run(nil, *ours, "cri", "diagnose", "merge", "-o", format, path)
			// Exit 1 is the verdict on a fleet with unhealthy nodes.
			if err != nil && !bytes.Contains(s.stderr, []byte("nodes unhealthy")) {
				return err
			}
			walls, rss = append(walls, s.wall), append(rss, s.rssKiB)
		}
		wall, peak := median(walls), slices.Max(rss)
		fmt.Printf("  -o %-5s  %s, peak RSS %.1f MiB\n", format, ms(wall), float64(peak)/1024)
		check(wall < 2*time.Second && peak < 200*1024, "merge of %d reports -o %s: %s < 2 s, %.0f MiB < 200 MiB", fleetNodes, format, ms(wall), float64(peak)/1024)
	}
	return benchFleetHuge(dir)
}

// Huge reports (finding R6): 40 nodes whose reports list ~15 MB of
// problems each, every one under the 16 MiB limit. Memory must follow the
// node count (a bounded summary per node), not the input size.
const (
	hugeNodes  = 40
	hugeReport = 15 << 20
)

func benchFleetHuge(dir string) error {
	path := filepath.Join(dir, "huge.ndjson")
	if err := writeHugeReports(path); err != nil {
		return err
	}
	fmt.Printf("\ndiagnose merge of %d reports of ~%d MB each (%.0f MB NDJSON):\n", hugeNodes, hugeReport>>20, fileMB(path))
	var walls []time.Duration
	var rss []int64
	for range 3 {
		s, err := run(nil, *ours, "cri", "diagnose", "merge", "-o", "json", path)
		if err != nil && !bytes.Contains(s.stderr, []byte("nodes unhealthy")) {
			return err
		}
		walls, rss = append(walls, s.wall), append(rss, s.rssKiB)
	}
	wall, peak := median(walls), slices.Max(rss)
	fmt.Printf("  -o json   %s, peak RSS %.1f MiB\n", ms(wall), float64(peak)/1024)
	check(peak < 200*1024, "merge of %d × %d MB reports: %.0f MiB < 200 MiB (bounded by nodes, not input)", hugeNodes, hugeReport>>20, float64(peak)/1024)
	return nil
}

// writeHugeReports writes hugeNodes v1 reports, each a line of about
// hugeReport bytes: problems of both severities, one error per node.
func writeHugeReports(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	now := time.Now().UTC().Format(time.RFC3339)
	for n := range hugeNodes {
		fmt.Fprintf(w, `{"apiVersion":"ctrcri.diagnose/v1","kind":"NodeDiagnosis","time":%q,"node":{"name":"huge-%02d","nameFrom":"env"},"healthy":false,"problems":[`, now, n)
		fmt.Fprintf(w, `{"severity":"error","check":"container","object":"shop/web/api","message":"exited with code 1 (Error)"}`)
		size := 0
		for i := 0; size < hugeReport; i++ {
			k, _ := fmt.Fprintf(w, `,{"severity":"warning","check":"orphan","object":"k8s.io/%064x","message":"containerd-container: not made by CRI (no io.cri-containerd.kind label) %d"}`, i, i)
			size += k
		}
		fmt.Fprintf(w, "],\"versions\":{\"containerd\":\"v2.4.2\",\"runc\":\"1.4.3\",\"criAPIVersion\":\"v1\"}}\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
