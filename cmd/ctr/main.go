// Command ctr is containerd's upstream ctr with the `cri` command tree
// added. Invoked as `crictl` it behaves as `ctr cri`.
package main

import (
	"os"

	"github.com/containerd/containerd/v2/cmd/ctr/app"

	"github.com/ctrcri/ctrcri/pkg/cricli"
)

func main() {
	tuneGC()
	os.Exit(cricli.Main(app.New))
}
