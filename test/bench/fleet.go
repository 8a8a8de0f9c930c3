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
	return nil
}
