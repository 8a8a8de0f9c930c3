package runtime

import (
	"errors"
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

// LabelSelector is a parsed --label list, every term ANDed. CRI filters
// only carry equality, so Equal goes to the runtime and the other terms
// (!=, exists, does not exist) are checked on the listed objects: the
// number of RPCs does not change.
type LabelSelector struct {
	terms []labelTerm
}

type labelOp int

const (
	labelEqual labelOp = iota
	labelNotEqual
	labelExists
	labelNotExists
)

type labelTerm struct {
	op         labelOp
	key, value string
}

// LabelSyntax is what --label accepts, for help and errors.
const LabelSyntax = "key=value, key!=value, key (exists) or !key (does not exist)"

// ParseLabels reads repeated --label terms: key=value, key!=value, key and
// !key, with keys and values in Kubernetes label syntax.
func ParseLabels(terms []string) (LabelSelector, error) {
	var s LabelSelector
	for _, term := range terms {
		t, err := parseLabelTerm(term)
		if err != nil {
			return LabelSelector{}, fmt.Errorf("invalid --label %q: %v; want %s", term, err, LabelSyntax)
		}
		s.terms = append(s.terms, t)
	}
	return s, nil
}

func parseLabelTerm(term string) (labelTerm, error) {
	t := labelTerm{op: labelEqual}
	var ok bool
	switch {
	case strings.HasPrefix(term, "!"):
		t.op, t.key = labelNotExists, term[1:]
	case strings.Contains(term, "!="):
		t.op = labelNotEqual
		t.key, t.value, _ = strings.Cut(term, "!=")
	default:
		if t.key, t.value, ok = strings.Cut(term, "="); !ok {
			t.op = labelExists
		}
	}
	if err := checkLabelKey(t.key); err != nil {
		return t, err
	}
	if err := checkLabelValue(t.value); err != nil {
		return t, err
	}
	return t, nil
}

// checkLabelKey is Kubernetes' qualified name: [prefix/]name, the prefix a
// DNS subdomain of at most 253 characters.
func checkLabelKey(k string) error {
	if k == "" {
		return errors.New("empty key")
	}
	prefix, name, qualified := strings.Cut(k, "/")
	if !qualified {
		prefix, name = "", k
	}
	if qualified {
		if prefix == "" || len(prefix) > 253 || !isDNSSubdomain(prefix) {
			return fmt.Errorf("key prefix %q is not a DNS subdomain (lower case a-z 0-9 - .)", prefix)
		}
	}
	if name == "" || len(name) > 63 || !isLabelName(name) {
		return fmt.Errorf("key name %q is not 1 to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric", name)
	}
	return nil
}

func checkLabelValue(v string) error {
	if v != "" && (len(v) > 63 || !isLabelName(v)) {
		return fmt.Errorf("value %q is not up to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric", v)
	}
	return nil
}

// isLabelName is ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$ written out:
// the two regexps compiled at package init were 75k instructions and 126
// allocations of every run, label filter or not.
func isLabelName(s string) bool {
	if s == "" || !isAlnum(s[0], true) || !isAlnum(s[len(s)-1], true) {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !isAlnum(c, true) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// isDNSSubdomain is
// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$:
// dot-separated labels of lower case alphanumerics and '-', each starting
// and ending alphanumeric.
func isDNSSubdomain(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if part == "" || !isAlnum(part[0], false) || !isAlnum(part[len(part)-1], false) {
			return false
		}
		for i := range len(part) {
			if c := part[i]; !isAlnum(c, false) && c != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte, upper bool) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || upper && 'A' <= c && c <= 'Z'
}

// Empty reports whether the selector selects everything.
func (s LabelSelector) Empty() bool { return len(s.terms) == 0 }

// Equal is the part the runtime can filter on (the first value of each key;
// a second, conflicting one is still checked by Matches).
func (s LabelSelector) Equal() map[string]string {
	var m map[string]string
	for _, t := range s.terms {
		if t.op != labelEqual {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if _, ok := m[t.key]; !ok {
			m[t.key] = t.value
		}
	}
	return m
}

// clientSide reports whether Matches must run on the listed objects.
func (s LabelSelector) clientSide() bool {
	eq := map[string]bool{}
	for _, t := range s.terms {
		if t.op != labelEqual || eq[t.key] {
			return true
		}
		eq[t.key] = true
	}
	return false
}

// Matches reports whether labels satisfy every term.
func (s LabelSelector) Matches(labels map[string]string) bool {
	for _, t := range s.terms {
		v, ok := labels[t.key]
		switch t.op {
		case labelEqual:
			ok = ok && v == t.value
		case labelNotEqual:
			ok = !ok || v != t.value
		case labelNotExists:
			ok = !ok
		}
		if !ok {
			return false
		}
	}
	return true
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
