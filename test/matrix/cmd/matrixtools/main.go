// Command matrixtools builds the containerd releases of the matrix that the
// cache lacks: matrixtools [-cache DIR] [MINOR...] (default: every line).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/matrix"
)

func main() {
	cache := flag.String("cache", matrix.CacheRoot(), "directory holding the builds")
	flag.Parse()
	repo, err := devnode.RepoRoot()
	if err != nil {
		fail(err)
	}
	minors := flag.Args()
	if len(minors) == 0 {
		minors = matrix.Minors
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for _, m := range minors {
		r, err := matrix.Find(repo, m)
		if err != nil {
			fail(err)
		}
		dir, took, err := matrix.Build(ctx, repo, *cache, r, os.Stderr)
		if err != nil {
			fail(err)
		}
		if took == 0 {
			fmt.Printf("containerd %s: cached in %s\n", r.Version, dir)
		} else {
			fmt.Printf("containerd %s: built in %s into %s\n", r.Version, took.Round(time.Second), dir)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
