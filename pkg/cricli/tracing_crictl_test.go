package cricli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
)

// realCrictl is the crictl built from the pinned cri-tools module (`make
// crictl`, or CRICTL_BIN): the reference for what crictl sends, through
// the upstream OTLP exporter.
func realCrictl(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CRICTL_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "_build", "bin", "crictl")
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CTRCRI_E2E") == "required" {
			t.Fatalf("real crictl: %v", err)
		}
		t.Skipf("no real crictl (make crictl): %v", err)
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// traceShape is what a collector shows of one command's trace, less what
// differs by nature between the two programs: IDs, times, the pid, and
// the RPCs each makes.
type traceShape struct {
	resource string
	root     string
	// rpcs holds each RPC span by name; rpcKinds the shape they share.
	rpcs     map[string]string
	rpcKinds []string
}

func attrText(kvs []*commonpb.KeyValue, keysOnly ...string) string {
	var out []string
	for _, kv := range kvs {
		v := prototext.Format(kv.Value)
		if kv.Key == "process.pid" || slices.Contains(keysOnly, kv.Key) {
			v = "…"
		}
		out = append(out, kv.Key+"="+strings.TrimSpace(v))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// shapeOf reads the requests of one command's run: one trace, one root
// span, every other span its child.
func shapeOf(t *testing.T, who string, reqs []*collectortrace.ExportTraceServiceRequest) traceShape {
	t.Helper()
	type scoped struct {
		scope string
		span  *tracepb.Span
	}
	sh := traceShape{rpcs: map[string]string{}}
	var spans []scoped
	for _, req := range reqs {
		for _, rs := range req.ResourceSpans {
			res := fmt.Sprintf("%s schema=%s", attrText(rs.Resource.GetAttributes()), rs.SchemaUrl)
			if sh.resource != "" && sh.resource != res {
				t.Errorf("%s: two resources: %s, %s", who, sh.resource, res)
			}
			sh.resource = res
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					// Our CRI call spans copy otelgrpc's release and say
					// so in the version's build metadata (+ctrcri).
					version, _, _ := strings.Cut(ss.Scope.GetVersion(), "+")
					spans = append(spans, scoped{ss.Scope.GetName() + " " + version + " " + ss.SchemaUrl, s})
				}
			}
		}
	}
	var root *tracepb.Span
	for _, s := range spans {
		if len(s.span.ParentSpanId) == 0 {
			if root != nil {
				t.Fatalf("%s: two root spans", who)
			}
			root = s.span
			var events []string
			for _, e := range s.span.Events {
				// The error's text and Go type are each program's own.
				events = append(events, e.Name+"{"+attrText(e.Attributes, "exception.message", "exception.type")+"}")
			}
			// The scope names the code that starts the span: crictl's main
			// package, or ours.
			sh.root = fmt.Sprintf("name=%s kind=%s flags=%#x attrs=[%s] status=%s events=%v",
				s.span.Name, s.span.Kind, s.span.Flags, attrText(s.span.Attributes), s.span.Status.GetCode(), events)
		}
	}
	if root == nil {
		t.Fatalf("%s: no root span among %d", who, len(spans))
	}
	for _, s := range spans {
		if s.span == root {
			continue
		}
		if !bytes.Equal(s.span.TraceId, root.TraceId) || !bytes.Equal(s.span.ParentSpanId, root.SpanId) {
			t.Errorf("%s: span %s is not a child of the root", who, s.span.Name)
		}
		sh.rpcs[s.span.Name] = fmt.Sprintf("scope=%s kind=%s flags=%#x attrs=[%s] status=%s events=%d",
			s.scope, s.span.Kind, s.span.Flags, attrText(s.span.Attributes), s.span.Status.GetCode(), len(s.span.Events))
		kind := fmt.Sprintf("scope=%s kind=%s flags=%#x attrs=[%s]", s.scope, s.span.Kind, s.span.Flags,
			attrText(s.span.Attributes, "rpc.method", "rpc.response.status_code"))
		if !slices.Contains(sh.rpcKinds, kind) {
			sh.rpcKinds = append(sh.rpcKinds, kind)
		}
	}
	return sh
}

// The trace a command sends has crictl's shape, crictl's own binary being
// the reference: the same resource, a root span named after the command
// with crictl's attributes, status and error event, and one client span
// per RPC from the same otelgrpc, alike for the RPCs both make. Which
// RPCs each makes is not compared: crictl probes the runtime first (see
// the migration guide), and ours joins pods into ps.
func TestTraceShapeAsCrictl(t *testing.T) {
	bin := realCrictl(t)
	s := node(t)
	recv, addr := startReceiver(t)
	empty := filepath.Join(t.TempDir(), "crictl.yaml")
	writeAt(t, empty, "")
	sent := func() []*collectortrace.ExportTraceServiceRequest {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		r := recv.reqs
		recv.reqs = nil
		return r
	}
	const listContainers = "runtime.v1.RuntimeService/ListContainers"
	for _, tc := range []struct {
		name   string
		args   []string
		fails  bool   // ListContainers answers an error
		shared string // an RPC both make
	}{
		{"ps", []string{"ps"}, false, listContainers},
		{"ps failing", []string{"ps"}, true, listContainers},
		{"version", []string{"version"}, false, "runtime.v1.RuntimeService/Version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inject := func() {
				if tc.fails {
					s.RuntimeService.InjectError("ListContainers", status.Error(codes.Internal, "boom"))
				}
			}
			args := append([]string{"-r", s.Endpoint, "--enable-tracing", "--tracing-endpoint", addr}, tc.args...)
			inject()
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "CRI_CONFIG_FILE="+empty, "CONTAINER_RUNTIME_ENDPOINT=")
			if out, err := cmd.CombinedOutput(); (err != nil) != tc.fails {
				t.Fatalf("crictl: %v\n%s", err, out)
			}
			ref := shapeOf(t, "crictl", sent())
			inject()
			r := crictl(t, args...)
			if (r.code != 0) != tc.fails {
				t.Fatalf("ours: exit %d\n%s", r.code, r.stderr)
			}
			got := shapeOf(t, "ours", sent())
			if got.resource != ref.resource {
				t.Errorf("resource:\n ours   %s\n crictl %s", got.resource, ref.resource)
			}
			if got.root != ref.root {
				t.Errorf("root span:\n ours   %s\n crictl %s", got.root, ref.root)
			}
			if got.rpcs[tc.shared] == "" || got.rpcs[tc.shared] != ref.rpcs[tc.shared] {
				t.Errorf("%s span:\n ours   %q\n crictl %q", tc.shared, got.rpcs[tc.shared], ref.rpcs[tc.shared])
			}
			if !slices.Equal(got.rpcKinds, ref.rpcKinds) {
				t.Errorf("RPC spans:\n ours   %q\n crictl %q", got.rpcKinds, ref.rpcKinds)
			}
		})
	}
}
