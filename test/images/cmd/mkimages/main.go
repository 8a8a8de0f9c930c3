// Command mkimages writes the dev node's test image archives (pause and
// busybox) into a directory; `make images` runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ctrcri/ctrcri/test/images"
)

func main() {
	out := flag.String("o", "_build/images", "output directory")
	flag.Parse()
	if err := images.BuildDefaults(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkimages:", err)
		os.Exit(1)
	}
}
