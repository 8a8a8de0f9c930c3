// Command mkctrimage writes the product's OCI image archive (the static
// ctr binary, no shell) from a binary built by `make image`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ctrcri/ctrcri/test/images"
)

func main() {
	var info images.CtrcriInfo
	bin := flag.String("bin", "", "static ctr binary")
	out := flag.String("o", "_build/images/"+images.CtrcriArchive, "output archive")
	flag.StringVar(&info.Ref, "ref", "", "image reference")
	flag.StringVar(&info.Version, "version", "", "org.opencontainers.image.version")
	flag.StringVar(&info.Revision, "revision", "", "org.opencontainers.image.revision")
	flag.StringVar(&info.Source, "source", "", "org.opencontainers.image.source")
	flag.Parse()
	spec, err := images.Ctrcri(*bin, info)
	if err == nil {
		_, err = images.Build(*out, spec)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkctrimage:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %s\n", *out, info.Ref)
}
