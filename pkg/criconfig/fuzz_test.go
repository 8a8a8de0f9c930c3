package criconfig

import (
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fuzzBound is how long one input may take: the config checker once hung
// for minutes on a 791-byte merge-key fan-out (F9).
const fuzzBound = 5 * time.Second

func bounded(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(fuzzBound):
		t.Fatalf("%s did not finish within %s", what, fuzzBound)
	}
}

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
		bounded(t, "DecodeConfig", func() {
			if _, err := DecodeConfig("f.yaml", data, into); err != nil {
				if _, ok := err.(*ConfigError); !ok {
					t.Errorf("error of type %T: %v", err, err)
				}
			}
		})
	})
}
