package criconfig

import (
	"errors"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/test/fuzzbound"
)

// FuzzDecodeConfig: the pod and container config checker ends in bounded
// time on any input, and an error is a *ConfigError.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{
		"metadata: {name: a, namespace: b}\n", `{"metadata":{"name":"a"},"image":{"image":"busybox"}}`, "0\r\r0",
		"\"bad\\e[2J\\akey\\nline2\": 1\n", "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
		"<<: {a: 1}\n", "metadata: {name: yes}\n", "labels: {a: 1.10}\n", "---\n---\n", "",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, container bool) {
		var into any = &runtimeapi.PodSandboxConfig{}
		if container {
			into = &runtimeapi.ContainerConfig{}
		}
		fuzzbound.Run(t, "DecodeConfig", func() {
			if _, err := DecodeConfig("f.yaml", data, into); err != nil {
				if ce := (*ConfigError)(nil); !errors.As(err, &ce) {
					t.Errorf("error of type %T: %v", err, err)
				}
			}
		})
	})
}
