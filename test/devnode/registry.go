package devnode

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

// Registry is an OCI registry inside the test process on 127.0.0.1, which
// containerd reaches over plain HTTP: by its Host in image names, or for
// another registry's names through Mirror.
type Registry struct {
	// Host is the registry's host:port.
	Host string
	srv  *httptest.Server
}

// StartRegistry starts an empty registry.
func StartRegistry() *Registry {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), srv: srv}
}

// Close stops the registry.
func (r *Registry) Close() { r.srv.Close() }

// Push builds spec's image and stores it as repo:tag: its layer and config
// blobs, then its manifest.
func (r *Registry) Push(repo, tag string, spec images.Spec) error {
	im, err := images.Assemble(spec)
	if err != nil {
		return err
	}
	for _, b := range []struct {
		data []byte
		d    string
	}{{im.Layer, im.LayerDesc.Digest.String()}, {im.Config, im.ConfigDesc.Digest.String()}} {
		if err := r.put(http.MethodPost, "/v2/"+repo+"/blobs/uploads/?digest="+b.d, "application/octet-stream", b.data); err != nil {
			return err
		}
	}
	return r.put(http.MethodPut, "/v2/"+repo+"/manifests/"+tag, im.ManifestDesc.MediaType, im.Manifest)
}

func (r *Registry) put(method, url, ctype string, body []byte) error {
	req, err := http.NewRequest(method, r.srv.URL+url, bytes.NewReader(body))
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
