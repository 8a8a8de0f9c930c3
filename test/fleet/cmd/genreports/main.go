// Command genreports writes N generated diagnose reports as NDJSON, for
// trying `ctr cri diagnose merge` and for make bench.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ctrcri/ctrcri/test/fleet"
)

func main() {
	n := flag.Int("n", 100, "number of nodes")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same reports")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "genreports:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := fleet.Generate(bw, fleet.Options{N: *n, Seed: *seed, Now: time.Now()}); err != nil {
		fmt.Fprintln(os.Stderr, "genreports:", err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genreports:", err)
		os.Exit(1)
	}
}
