package runtime

import (
	"fmt"
	"regexp"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Kubelet's labels that name a container's pod; used only when the sandbox
// list has no entry for the pod.
const (
	labelPodName      = "io.kubernetes.pod.name"
	labelPodNamespace = "io.kubernetes.pod.namespace"
)

// ContainerStates are the values --state accepts for containers.
var ContainerStates = []string{"created", "running", "exited", "unknown"}

// PodStates are the values --state accepts for pods.
var PodStates = []string{"ready", "notready"}

// ParseContainerState maps a --state value to the CRI enum.
func ParseContainerState(s string) (runtimeapi.ContainerState, error) {
	switch strings.ToLower(s) {
	case "created":
		return runtimeapi.ContainerState_CONTAINER_CREATED, nil
	case "running":
		return runtimeapi.ContainerState_CONTAINER_RUNNING, nil
	case "exited":
		return runtimeapi.ContainerState_CONTAINER_EXITED, nil
	case "unknown":
		return runtimeapi.ContainerState_CONTAINER_UNKNOWN, nil
	}
	return 0, fmt.Errorf("invalid container state %q: want one of %s", s, strings.Join(ContainerStates, ", "))
}

// ParsePodState maps a --state value to the CRI enum.
func ParsePodState(s string) (runtimeapi.PodSandboxState, error) {
	switch strings.ToLower(s) {
	case "ready", "sandbox_ready":
		return runtimeapi.PodSandboxState_SANDBOX_READY, nil
	case "notready", "sandbox_notready":
		return runtimeapi.PodSandboxState_SANDBOX_NOTREADY, nil
	}
	return 0, fmt.Errorf("invalid pod state %q: want one of %s", s, strings.Join(PodStates, ", "))
}

// ParseLabels turns repeated k=v strings into a selector.
func ParseLabels(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		// A second "=" is refused as crictl does: label values cannot hold one.
		if !ok || k == "" || strings.Contains(v, "=") {
			return nil, fmt.Errorf("invalid label %q: want key=value", kv)
		}
		m[k] = v
	}
	return m, nil
}

// compile returns nil for an empty pattern so that matching is free.
func compile(what, pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Op: "filter", Err: fmt.Errorf("invalid %s regular expression %q: %v", what, pattern, err)}
	}
	return re, nil
}

func matches(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// limit applies crictl's --latest/--last to a newest-first slice.
func limit[T any](items []T, latest bool, last int) []T {
	n := len(items)
	if latest {
		n = 1
	}
	if last > 0 {
		n = last
	}
	return items[:min(n, len(items))]
}
