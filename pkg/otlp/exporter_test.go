package otlp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
)

// collector is an OTLP/gRPC trace collector built on the generated types,
// as a real one is; fail, when set, is its answer to every export, and
// partial makes it say it rejected a span.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu      sync.Mutex
	reqs    []*collectortrace.ExportTraceServiceRequest
	fail    error
	partial bool
	md      []metadata.MD // each export's
}

func (c *collector) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, req)
	md, _ := metadata.FromIncomingContext(ctx)
	c.md = append(c.md, md)
	if c.partial {
		return &collectortrace.ExportTraceServiceResponse{PartialSuccess: &collectortrace.ExportTracePartialSuccess{RejectedSpans: 1, ErrorMessage: "one rejected"}}, c.fail
	}
	return &collectortrace.ExportTraceServiceResponse{}, c.fail
}

func (c *collector) requests() []*collectortrace.ExportTraceServiceRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reqs
}

func startCollector(t *testing.T, opts ...grpc.ServerOption) (*collector, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	s := grpc.NewServer(opts...)
	collectortrace.RegisterTraceServiceServer(s, c)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return c, l.Addr().String()
}

// silentCollector accepts connections and never answers.
func silentCollector(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func newExporter(t *testing.T, endpoint string, timeout time.Duration, o ...Options) *Exporter {
	t.Helper()
	e, err := New(endpoint, timeout, append(o, Options{})[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

// The collector receives the request, decoded by its generated types; the
// collector's answer is not an error, partial success included.
func TestExportReachesTheCollector(t *testing.T) {
	c, addr := startCollector(t)
	c.partial = true
	e := newExporter(t, addr, 10*time.Second)
	spans, want := fixture(t)
	if err := e.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	reqs := c.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1 (no spans send nothing)", len(reqs))
	}
	sameRequest(t, reqs[0], want)
}

// byResource orders a request's resource spans, which the upstream
// exporter sends in map order.
func byResource(req *collectortrace.ExportTraceServiceRequest) {
	key := func(i int) string { return prototext.Format(req.ResourceSpans[i].Resource) }
	sort.Slice(req.ResourceSpans, func(i, j int) bool { return key(i) < key(j) })
}

// The reference: the upstream exporter, sending the same spans to the
// same collector, makes the same request. The one difference is the
// link's trace_state, which upstream leaves out and the proto defines.
func TestSameRequestAsTheUpstreamExporter(t *testing.T) {
	c, addr := startCollector(t)
	spans, _ := fixture(t)
	up, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = up.Shutdown(context.Background()) })
	if err := up.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	if err := newExporter(t, addr, time.Minute).ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	reqs := c.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	want, got := reqs[0], reqs[1]
	byResource(want)
	byResource(got)
	for _, rs := range got.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				for _, l := range s.Links {
					if l.TraceState == "" {
						t.Error("link trace_state not sent")
					}
					l.TraceState = ""
				}
			}
		}
	}
	sameRequest(t, got, want)
}

// A collector's error comes back as the gRPC status.
func TestExportReturnsTheCollectorsError(t *testing.T) {
	c, addr := startCollector(t)
	c.fail = status.Error(codes.Unavailable, "overloaded")
	spans, _ := fixture(t)
	err := newExporter(t, addr, 10*time.Second).ExportSpans(context.Background(), spans)
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "overloaded") {
		t.Errorf("error %v, want the collector's Unavailable", err)
	}
	if n := len(c.requests()); n != 1 {
		t.Errorf("%d attempts, want 1: no retries", n)
	}
}

// An export to a collector that never answers ends at the timeout, or at
// the caller's deadline when that comes first; so does one to no collector.
func TestExportIsBounded(t *testing.T) {
	spans, _ := fixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name, addr string
		timeout    time.Duration
		ctx        time.Duration
	}{
		{"silent, timeout", silentCollector(t), 300 * time.Millisecond, time.Minute},
		{"silent, caller's deadline", silentCollector(t), time.Minute, 300 * time.Millisecond},
		{"dead, timeout", dead, 300 * time.Millisecond, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newExporter(t, tc.addr, tc.timeout)
			ctx, cancel := context.WithTimeout(context.Background(), tc.ctx)
			defer cancel()
			start := time.Now()
			err := e.ExportSpans(ctx, spans)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("export took %s", took)
			}
			if code := status.Code(err); code != codes.DeadlineExceeded && code != codes.Unavailable {
				t.Errorf("error %v", err)
			}
		})
	}
}

// Shutdown gives an export in flight until its context ends, then cancels
// it; after Shutdown nothing is sent.
func TestShutdown(t *testing.T) {
	spans, _ := fixture(t)
	e := newExporter(t, silentCollector(t), time.Minute)
	done := make(chan error, 1)
	go func() { done <- e.ExportSpans(context.Background(), spans) }()
	time.Sleep(100 * time.Millisecond) // the export is in flight
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want its deadline", err)
	}
	select {
	case err := <-done:
		if status.Code(err) != codes.Canceled {
			t.Errorf("export in flight: %v, want canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown left the export in flight")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Shutdown took %s", took)
	}
	if err := e.ExportSpans(context.Background(), spans); !errors.Is(err, errShutdown) {
		t.Errorf("export after Shutdown: %v", err)
	}
	if err := e.Shutdown(context.Background()); !errors.Is(err, errShutdown) {
		t.Errorf("second Shutdown: %v", err)
	}
}

// Invalid UTF-8 reaches a collector built on the generated types as U+FFFD
// (upstream's proto.Marshal refuses it and the whole batch is lost).
func TestInvalidUTF8ReachesTheCollector(t *testing.T) {
	c, addr := startCollector(t)
	ts := tracetest.SpanStubs{{Name: "inspect \xff", Attributes: []attribute.KeyValue{attribute.String("id", "a\xc3(b")}}}
	if err := newExporter(t, addr, 10*time.Second).ExportSpans(context.Background(), ts.Snapshots()); err != nil {
		t.Fatal(err)
	}
	s := c.requests()[0].ResourceSpans[0].ScopeSpans[0].Spans[0]
	if s.Name != "inspect \uFFFD" || s.Attributes[0].Value.GetStringValue() != "a\uFFFD(b" {
		t.Errorf("received %q, %q", s.Name, s.Attributes[0].Value.GetStringValue())
	}
}

// A request over upstream's 64 MiB bound is not sent.
func TestOversizedRequestIsNotSent(t *testing.T) {
	c, addr := startCollector(t)
	ts := tracetest.SpanStubs{{Name: "big", Attributes: []attribute.KeyValue{attribute.String("v", strings.Repeat("x", maxRequest))}}}
	err := newExporter(t, addr, 10*time.Second).ExportSpans(context.Background(), ts.Snapshots())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(maxRequest)) {
		t.Errorf("error %v", err)
	}
	if n := len(c.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
