// Command ctr is containerd's upstream ctr with the `cri` command tree
// added. Invoked as `crictl` it behaves as `ctr cri`.
package main

import (
	"context"
	"os"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli"

	// Imported for its init: heap-profile sampling off before the inits
	// that allocate.
	_ "github.com/ctrcri/ctrcri/cmd/ctr/internal/profrate"
)

func main() {
	tuneGC()
	root := app.New()
	if cricli.IsCrictl(os.Args[0]) || needsCRI(root, os.Args[1:]) {
		// needsCRI only reads root: hand it on rather than build upstream's
		// tree a second time.
		os.Exit(cricli.Main(func() *cli.Command { return root }))
	}
	os.Exit(cricli.Run(context.Background(), withCRIStub(root), os.Args, os.Stdout, os.Stderr))
}
