package crisuite

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/registry"

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
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	put := func(method, url, ctype string, body []byte) error {
		req, err := http.NewRequest(method, srv.URL+url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("registry: %s %s: %s", method, url, resp.Status)
		}
		return nil
	}
	for _, s := range specs {
		im, err := images.Assemble(s)
		if err != nil {
			srv.Close()
			return "", nil, err
		}
		name, tag, _ := strings.Cut(s.Ref[strings.Index(s.Ref, "/")+1:], ":")
		for _, b := range []struct {
			data []byte
			d    string
		}{{im.Layer, im.LayerDesc.Digest.String()}, {im.Config, im.ConfigDesc.Digest.String()}} {
			if err := put(http.MethodPost, "/v2/"+name+"/blobs/uploads/?digest="+b.d, "application/octet-stream", b.data); err != nil {
				srv.Close()
				return "", nil, err
			}
		}
		if err := put(http.MethodPut, "/v2/"+name+"/manifests/"+tag, im.ManifestDesc.MediaType, im.Manifest); err != nil {
			srv.Close()
			return "", nil, err
		}
	}
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close, nil
}
