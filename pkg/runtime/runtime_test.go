package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"unix:///run/c.sock": "/run/c.sock", "/run/c.sock": "/run/c.sock"} {
		if got, err := ParseEndpoint(in); err != nil || got != want {
			t.Errorf("ParseEndpoint(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "unix://", "tcp://1.2.3.4:5", "npipe:////./pipe/x"} {
		if _, err := ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) should fail", bad)
		}
	}
}

func TestUnreachableMessages(t *testing.T) {
	t.Parallel()
	c := &Client{runtimeEP: "unix:///run/x.sock"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fs.ErrNotExist, "socket /run/x.sock does not exist"},
		{fs.ErrPermission, "permission denied on /run/x.sock (try sudo)"},
		{syscall.ECONNREFUSED, "nothing is listening on /run/x.sock"},
	} {
		err := c.unreachable("list pods", "", tc.err)
		if KindOf(err) != KindUnreachable || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v", tc.err, err)
		}
	}
}

// TestImageFilterConditionsAsCrictl pins crictl's --filter meanings on a
// sorted list: reference= is a regular expression on the repository,
// since=X keeps what is listed before X, before=X what is listed after it.
func TestImageFilterConditionsAsCrictl(t *testing.T) {
	t.Parallel()
	a := &Image{Id: "sha256:aaa", RepoTags: []string{"localhost/busybox:test"}}
	b := &Image{Id: "sha256:bbb", RepoTags: []string{"localhost/pause:test", "localhost:5555/pause:test"}}
	c := &Image{Id: "sha256:ccc", RepoTags: []string{"localhost:5555/pulltest:v1"}, RepoDigests: []string{"localhost:5555/pulltest@sha256:1234"}}
	d := &Image{Id: "sha256:ddd"}
	sorted := []*Image{a, b, c, d}
	for _, tc := range []struct {
		filter string
		want   []*Image
	}{
		{"reference=pulltest", []*Image{c}},
		{"reference=localhost:5555/pulltest", []*Image{c}},
		{"reference=.*pull.*", []*Image{c}},
		{"reference=localhost:5555/pulltest:v1", nil},
		{"reference=^localhost/pause$", []*Image{b}},
		{"since=localhost/pause:test", []*Image{a}},
		{"before=localhost/pause:test", []*Image{c, d}},
		{"before=localhost:5555/pulltest:v1", []*Image{d}},
		{"since=ccc", []*Image{a, b}},
		{"since=sha256:ccc", []*Image{a, b}},
		{"since=localhost:5555/pulltest@sha256:1234", nil},
		{"dangling=true", []*Image{d}},
	} {
		f, err := ParseImageFilters([]string{tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Conds[0].apply(sorted); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.filter, ids(got), ids(tc.want))
		}
	}
	if _, err := ParseImageFilters([]string{"reference=*pulltest*"}); err == nil || !strings.Contains(err.Error(), "regular expression") {
		t.Errorf("a glob is not a regular expression: %v", err)
	}
}

func ids(imgs []*Image) []string {
	out := make([]string, len(imgs))
	for i, im := range imgs {
		out[i] = im.Id
	}
	return out
}

func TestNormalizeRef(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"busybox":                "docker.io/library/busybox:latest",
		"localhost/ctrcri/pause": "localhost/ctrcri/pause:latest",
		"quay.io/x/y:1":          "quay.io/x/y:1",
		"NOT A REF":              "NOT A REF",
	} {
		if got := NormalizeRef(in); got != want {
			t.Errorf("NormalizeRef(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPickPrefersExactIDThenNameThenPrefix(t *testing.T) {
	t.Parallel()
	type obj struct {
		id, name, group string
		attempt         uint32
	}
	items := []obj{{"abc123", "web", "p1", 0}, {"abd456", "web", "p1", 1}, {"web999", "db", "p1", 0},
		{"f00001", "job", "p1", 0}, {"f00002", "job", "p2", 0}}
	r := resolver[obj]{op: "container",
		id:       func(o obj) string { return o.id },
		names:    func(o obj) []string { return []string{o.name} },
		group:    func(o obj) string { return o.group },
		newer:    func(a, b obj) bool { return a.attempt > b.attempt },
		describe: func(o obj) string { return o.id }}
	if o, err := r.pick("abc123", items); err != nil || o.id != "abc123" {
		t.Errorf("exact ID: %v %v", o, err)
	}
	// Two attempts of web in one group: the newest wins.
	if o, err := r.pick("web", items); err != nil || o.id != "abd456" {
		t.Errorf("name: %v %v", o, err)
	}
	if o, err := r.pick("web9", items); err != nil || o.id != "web999" {
		t.Errorf("prefix: %v %v", o, err)
	}
	var e *Error
	if _, err := r.pick("ab", items); !errors.As(err, &e) || e.Kind != KindAmbiguous || len(e.Candidates) != 2 {
		t.Errorf("ambiguous prefix: %v", err)
	}
	// One name in two groups names two objects.
	if _, err := r.pick("job", items); !errors.As(err, &e) || e.Kind != KindAmbiguous || len(e.Candidates) != 2 {
		t.Errorf("ambiguous name: %v", err)
	}
	if _, err := r.pick("zz", items); !IsNotFound(err) {
		t.Errorf("not found: %v", err)
	}
	if _, err := r.pick("", items); KindOf(err) != KindInvalid {
		t.Errorf("empty: %v", err)
	}
}

// TestAmbiguousListsAtMostFiveCandidates: a name shared by many pods still
// gives one readable line, newest first, with the rest counted.
func TestAmbiguousListsAtMostFiveCandidates(t *testing.T) {
	t.Parallel()
	var items []Container
	for i := range 8 {
		items = append(items, Container{Container: &runtimeapi.Container{
			Id: fmt.Sprintf("%02d%062d", i, 0), PodSandboxId: fmt.Sprint("pod", i), CreatedAt: int64(i),
			Metadata: &runtimeapi.ContainerMetadata{Name: "app", Attempt: uint32(i % 2)}},
			PodName: fmt.Sprint("web", i), PodNamespace: "shop"})
	}
	_, err := PickContainer("app", items)
	want := `container "app": ambiguous, matches 0700000000000 (app attempt 1 in pod shop/web7), ` +
		`0500000000000 (app attempt 1 in pod shop/web5), 0300000000000 (app attempt 1 in pod shop/web3), ` +
		`0100000000000 (app attempt 1 in pod shop/web1), 0600000000000 (app attempt 0 in pod shop/web6), and 3 more`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestLabelSelector is finding #15: set-based terms are checked
// client-side, only equality goes to the runtime, and what cannot be parsed
// is refused naming the term.
func TestLabelSelector(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"app": "web", "tier": "front", "example.com/team": "a"}
	for _, tc := range []struct {
		terms []string
		match bool
		equal map[string]string
	}{
		{[]string{"app=web"}, true, map[string]string{"app": "web"}},
		{[]string{"app!=web"}, false, nil},
		{[]string{"app!=db"}, true, nil},
		{[]string{"gone!=x"}, true, nil},
		{[]string{"app"}, true, nil},
		{[]string{"gone"}, false, nil},
		{[]string{"!gone"}, true, nil},
		{[]string{"!app"}, false, nil},
		{[]string{"example.com/team=a", "tier"}, true, map[string]string{"example.com/team": "a"}},
		{[]string{"app=web", "app=db"}, false, map[string]string{"app": "web"}},
		{[]string{"app="}, false, map[string]string{"app": ""}},
	} {
		s, err := ParseLabels(tc.terms)
		if err != nil {
			t.Errorf("%q: %v", tc.terms, err)
			continue
		}
		if got := s.Matches(labels); got != tc.match {
			t.Errorf("%q matches %v = %v", tc.terms, labels, got)
		}
		if got := s.Equal(); !reflect.DeepEqual(got, tc.equal) {
			t.Errorf("%q sends %v to the runtime, want %v", tc.terms, got, tc.equal)
		}
	}
	for _, bad := range []string{"app!", "=v", "a==b", "a=b=c", "!", "", "a b=c", "Example.com/x=y", "/x", "a/", "x=" + strings.Repeat("v", 64), "a=-b", "!a=b"} {
		_, err := ParseLabels([]string{"ok=1", bad})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("invalid --label %q", bad)) {
			t.Errorf("%q: %v, want an error naming it", bad, err)
		}
	}
}

func TestImageIndexResolve(t *testing.T) {
	t.Parallel()
	idx := newImageIndex([]*Image{
		{Id: "sha256:aaaa1111", RepoTags: []string{"docker.io/library/busybox:latest"}, RepoDigests: []string{"docker.io/library/busybox@sha256:dddd"}},
		{Id: "sha256:aaaa2222", RepoTags: []string{"registry.k8s.io/pause:3.10"}},
	})
	for ref, want := range map[string]string{
		"busybox":                               "sha256:aaaa1111",
		"docker.io/library/busybox:latest":      "sha256:aaaa1111",
		"docker.io/library/busybox@sha256:dddd": "sha256:aaaa1111",
		"aaaa2":                                 "sha256:aaaa2222",
		"sha256:aaaa1":                          "sha256:aaaa1111",
	} {
		if got, err := idx.resolve(ref); err != nil || got != want {
			t.Errorf("resolve(%q) = %q, %v", ref, got, err)
		}
	}
	if _, err := idx.resolve("aaaa"); KindOf(err) != KindAmbiguous {
		t.Errorf("aaaa should be ambiguous: %v", err)
	}
	// Many candidates: five, and a count of the rest.
	var many []*Image
	for i := range 8 {
		many = append(many, &Image{Id: fmt.Sprintf("sha256:bbbb%060d", i)})
	}
	_, err := newImageIndex(many).resolve("bbbb")
	if err == nil || !strings.HasSuffix(err.Error(), ", and 3 more") || strings.Count(err.Error(), "bbbb") != 6 {
		t.Errorf("8 candidates: %v", err)
	}
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	if _, err := ParseContainerState("paused"); err == nil {
		t.Error("paused is not a CRI state")
	}
	if s, err := ParsePodState("NotReady"); err != nil || s != runtimeapi.PodSandboxState_SANDBOX_NOTREADY {
		t.Errorf("NotReady: %v %v", s, err)
	}
	if m, err := ParseLabels([]string{"a=b", "c="}); err != nil || m.Equal()["a"] != "b" || m.Equal()["c"] != "" || len(m.Equal()) != 2 {
		t.Errorf("labels: %v %v", m, err)
	}
	if _, err := ParseImageFilters([]string{"dangling=maybe"}); err == nil {
		t.Error("dangling=maybe should fail")
	}
}

func TestSummaryDecodeKeepsWhatTablesShow(t *testing.T) {
	t.Parallel()
	full := &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{{
		Id: "c1", PodSandboxId: "p1", Metadata: &runtimeapi.ContainerMetadata{Name: "web", Attempt: 3},
		Image: &runtimeapi.ImageSpec{Image: "busybox", Annotations: map[string]string{"x": "y"}}, ImageRef: "sha256:ab",
		State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: 1700000000000000000, ImageId: "sha256:cd",
		Labels:      map[string]string{labelPodName: "pod", labelPodNamespace: "ns", "other": "drop"},
		Annotations: map[string]string{"a": "b"},
	}, {Id: "c2"}}}
	b, err := proto.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var got containerSummaries
	if err := decodeSummaries(b, &got); err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(full.Containers[0]).(*runtimeapi.Container)
	want.Image.Annotations = nil
	want.Annotations = nil
	delete(want.Labels, "other")
	if len(got.items) != 2 || !proto.Equal(got.items[0], want) || got.items[1].Id != "c2" {
		t.Errorf("summary decode:\n got %v\nwant %v", got.items, want)
	}
	if err := decodeSummaries(b[:len(b)-3], &got); err == nil {
		t.Error("a truncated message must fail")
	}
	// The same bytes split across many small buffers, as gRPC hands over a
	// large response, decode alike.
	var chain mem.BufferSlice
	for i := 0; i < len(b); i += 7 {
		chain = append(chain, mem.SliceBuffer(b[i:min(i+7, len(b))]))
	}
	var streamed containerSummaries
	if err := (summaryCodec{}).Unmarshal(chain, &streamed); err != nil {
		t.Fatal(err)
	}
	if len(streamed.items) != 2 || !proto.Equal(streamed.items[0], want) {
		t.Errorf("chained decode: %v", streamed.items)
	}
	chain = chain[:len(chain)-1]
	if err := (summaryCodec{}).Unmarshal(chain, &streamed); err == nil {
		t.Error("a truncated chain must fail")
	}
}
