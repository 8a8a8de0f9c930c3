package crisuite

import (
	"strings"

	"github.com/ctrcri/ctrcri/test/devnode"
	"github.com/ctrcri/ctrcri/test/images"
)

// suiteRegistry is where crictl's suite pulls from. Every name is served by
// a registry inside this test process on 127.0.0.1; each node mirrors the
// hosts to it (devnode.Mirror), so nothing leaves the machine.
const suiteRegistry = "gcr.io/k8s-staging-cri-tools/"

// mirroredHosts are the registry hosts of the names the suite and the
// nodes pull: the suite's images, and the node's sandbox image once the
// suite has removed it (rmi -a).
var mirroredHosts = []string{"gcr.io", "localhost"}

// suiteImages are the images crictl's suite pulls or runs, each with its
// own content (the suite compares IDs across names): test-image-1..3 are
// only pulled and inspected; test-image-latest is run by inspect's spec and
// must exit at once (inspect without -a then finds nothing).
// test-image-digest@sha256:9700f9a2… names one exact manifest that cannot
// be rebuilt offline: its spec fails with both binaries.
func suiteImages() ([]images.Spec, error) {
	var specs []images.Spec
	for _, name := range []string{"test-image-1", "test-image-2", "test-image-3"} {
		specs = append(specs, images.Spec{
			Ref:    suiteRegistry + name + ":latest",
			Files:  map[string]images.File{"/" + name: images.Regular([]byte(name+"\n"), 0o644)},
			Cmd:    []string{"/" + name},
			Labels: map[string]string{"io.ctrcri.test": name},
		})
	}
	bb, err := images.Busybox(images.BusyboxPath)
	if err != nil {
		return nil, err
	}
	bb.Ref = suiteRegistry + "test-image-latest:latest"
	bb.Cmd = []string{"true"}
	bb.Files["/test-image-latest"] = images.Regular([]byte("test-image-latest\n"), 0o644)
	specs = append(specs, bb)
	pause, err := images.Pause()
	if err != nil {
		return nil, err
	}
	return append(specs, pause), nil
}

// serveImages starts the registry with every spec pushed under its name
// without the host, and returns its host:port and a stop function.
func serveImages(specs []images.Spec) (string, func(), error) {
	reg := devnode.StartRegistry()
	for _, s := range specs {
		name, tag, _ := strings.Cut(s.Ref[strings.Index(s.Ref, "/")+1:], ":")
		if err := reg.Push(name, tag, s); err != nil {
			reg.Close()
			return "", nil, err
		}
	}
	return reg.Host, reg.Close, nil
}
