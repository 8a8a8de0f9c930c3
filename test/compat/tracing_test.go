package compat

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

// collector is an in-test OTLP/gRPC trace collector.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []scopedSpan
}

type scopedSpan struct {
	scope string
	span  *tracepb.Span
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				c.spans = append(c.spans, scopedSpan{ss.GetScope().GetName(), sp})
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func startCollector(t *testing.T) (*collector, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	s := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(s, c)
	go s.Serve(l) //nolint:errcheck // Stop ends it
	t.Cleanup(s.Stop)
	return c, l.Addr().String()
}

// callSpans renders the CRI call spans (those with a parent) a collector
// got, by name: kind, scope, attributes and status code. The status
// message is left out: it is the runtime's error text, and the unit test
// beside rpcspan.go compares it with otelgrpc's.
func callSpans(c *collector) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for _, s := range c.spans {
		if len(s.span.ParentSpanId) == 0 {
			continue
		}
		var attrs []string
		for _, kv := range s.span.Attributes {
			attrs = append(attrs, kv.Key+"="+attrValue(kv.Value))
		}
		sort.Strings(attrs)
		out[s.span.Name] = fmt.Sprintf("kind=%s scope=%s attrs=[%s] status=%s",
			s.span.Kind, s.scope, strings.Join(attrs, " "), s.span.GetStatus().GetCode())
	}
	return out
}

// attrValue renders the attribute value kinds the spans carry (the proto's
// text form varies its spacing by design).
func attrValue(v *commonpb.AnyValue) string {
	switch v := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return strconv.Quote(v.StringValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(v.IntValue, 10)
	default:
		return fmt.Sprintf("%T", v)
	}
}

// crictlProbes are the calls crictl makes as it connects, one per service
// it uses, to check the service answers; ours connects without a call.
var crictlProbes = map[string]bool{
	"runtime.v1.RuntimeService/Version":   true,
	"runtime.v1.ImageService/ImageFsInfo": true,
}

// Traced, both binaries send the same CRI call spans, name, kind, scope,
// attributes and status, for a listing whose call succeeds and a pull
// whose call fails. The real crictl's spans come from otelgrpc at the
// version go.mod pins (it is built in this module), ours from
// pkg/cricli/cmdutil/rpcspan.go.
func TestTracingSpansMatchCrictl(t *testing.T) {
	if node == nil {
		t.Skipf("no dev node: %s", skipWhy)
	}
	for _, tc := range []struct {
		args []string
		call string // the call both make, and how it ends
		ends string
	}{
		{[]string{"pods"}, "runtime.v1.RuntimeService/ListPodSandbox", `rpc.response.status_code="OK"`},
		{[]string{"pull", "127.0.0.1:1/nope:1"}, "runtime.v1.ImageService/PullImage", "status=STATUS_CODE_ERROR"},
	} {
		spans := map[string]map[string]string{}
		for _, who := range []string{"ref", "ours"} {
			bin := map[string]string{"ref": refBin, "ours": oursBin}[who]
			c, addr := startCollector(t)
			inv := Inv{ID: "tracing " + strings.Join(tc.args, " "), Args: append([]string{"--enable-tracing", "--tracing-endpoint", addr}, tc.args...)}
			if _, err := runOne(inv, who, bin, nil); err != nil {
				t.Fatal(err)
			}
			spans[who] = callSpans(c)
		}
		ref, ours := spans["ref"], spans["ours"]
		t.Logf("%s: crictl %v", tc.args, ref)
		if !strings.Contains(ours[tc.call], tc.ends) {
			t.Errorf("%s: our %s span %q has no %s", tc.args, tc.call, ours[tc.call], tc.ends)
		}
		for name, want := range ref {
			if got, ok := ours[name]; !ok && !crictlProbes[name] {
				t.Errorf("%s: no %s span from ours; crictl's: %s", tc.args, name, want)
			} else if ok && got != want {
				t.Errorf("%s: %s span\n got  %s\n want %s", tc.args, name, got, want)
			}
		}
		for name, got := range ours {
			if _, ok := ref[name]; !ok {
				t.Errorf("%s: ours sent a %s span crictl does not: %s", tc.args, name, got)
			}
		}
	}
}
