package otlp

import (
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

var (
	tid1 = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tid2 = trace.TraceID{0xff, 0xfe, 3}
	sid1 = trace.SpanID{1, 1, 1, 1, 1, 1, 1, 1}
	sid2 = trace.SpanID{2, 2, 2, 2, 2, 2, 2, 2}
	sid3 = trace.SpanID{3, 3, 3, 3, 3, 3, 3, 3}
	t0   = time.Unix(1_700_000_000, 123_456_789)
)

// every is one attribute of each attribute.Type, zeros included: a oneof
// sends its zero value, a plain proto3 field does not.
var every = []attribute.KeyValue{
	attribute.Bool("bool", true),
	attribute.Bool("false", false),
	attribute.Int64("int", -42),
	attribute.Int64("zero", 0),
	attribute.Float64("float", 2.5),
	attribute.Float64("nan", math.Inf(-1)),
	attribute.String("string", "héllo"),
	attribute.String("empty", ""),
	attribute.BoolSlice("bools", []bool{true, false}),
	attribute.Int64Slice("ints", []int64{math.MinInt64, 0, 7}),
	attribute.Float64Slice("floats", []float64{0, -1.5}),
	attribute.StringSlice("strings", []string{"a", ""}),
	attribute.StringSlice("none", nil),
	attribute.ByteSlice("bytes", []byte{0, 0xff}),
	attribute.Slice("slice", attribute.IntValue(1), attribute.StringValue("x"), attribute.SliceValue(attribute.BoolValue(false))),
	attribute.Map("map", attribute.String("k", "v"), attribute.Map("inner", attribute.Int("n", 3))),
	{Key: "emptyvalue"},
}

func anyStr(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}
func anyBoolV(b bool) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
}
func anyIntV(i int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: i}}
}
func anyDoubleV(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}
func anyArrayV(v ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: v}}}
}
func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// everyPB is every as the generated types hold it.
var everyPB = []*commonpb.KeyValue{
	kv("bool", anyBoolV(true)),
	kv("false", anyBoolV(false)),
	kv("int", anyIntV(-42)),
	kv("zero", anyIntV(0)),
	kv("float", anyDoubleV(2.5)),
	kv("nan", anyDoubleV(math.Inf(-1))),
	kv("string", anyStr("héllo")),
	kv("empty", anyStr("")),
	kv("bools", anyArrayV(anyBoolV(true), anyBoolV(false))),
	kv("ints", anyArrayV(anyIntV(math.MinInt64), anyIntV(0), anyIntV(7))),
	kv("floats", anyArrayV(anyDoubleV(0), anyDoubleV(-1.5))),
	kv("strings", anyArrayV(anyStr("a"), anyStr(""))),
	kv("none", anyArrayV()),
	kv("bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 0xff}}}),
	kv("slice", anyArrayV(anyIntV(1), anyStr("x"), anyArrayV(anyBoolV(false)))),
	kv("map", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
		kv("inner", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{kv("n", anyIntV(3))}}}}),
		kv("k", anyStr("v")), // attribute.Map sorts by key
	}}}}),
	kv("emptyvalue", &commonpb.AnyValue{}),
}

// fixture is three spans over two resources and two scopes, using every
// field of a span, event and link; want is the request they make.
func fixture(t *testing.T) ([]sdktrace.ReadOnlySpan, *collectortrace.ExportTraceServiceRequest) {
	t.Helper()
	ts, err := trace.ParseTraceState("vendor=a,other=b")
	if err != nil {
		t.Fatal(err)
	}
	res1 := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "cri-tools"), attribute.Int("process.pid", 7))
	res2 := resource.NewSchemaless(attribute.String("host.name", "h"))
	scope1 := instrumentation.Scope{Name: "s1", Version: "v1.2", SchemaURL: "https://scope/schema",
		Attributes: attribute.NewSet(attribute.Bool("scoped", true))}
	scope2 := instrumentation.Scope{Name: "s2"}
	root := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid1, SpanID: sid1, TraceFlags: trace.FlagsSampled, TraceState: ts})
	stubs := tracetest.SpanStubs{
		{
			Name:        "root",
			SpanContext: root,
			Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid1, SpanID: sid3, Remote: true}),
			SpanKind:    trace.SpanKindServer,
			StartTime:   t0,
			EndTime:     t0.Add(time.Second),
			Attributes:  every,
			Events: []sdktrace.Event{
				{Name: "exception", Time: t0.Add(time.Millisecond), Attributes: []attribute.KeyValue{attribute.String("exception.message", "boom")}, DroppedAttributeCount: 2},
				{Name: "bare"},
			},
			Links: []sdktrace.Link{
				{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid2, SpanID: sid2, TraceState: ts, Remote: true}), Attributes: []attribute.KeyValue{attribute.Int("l", 1)}, DroppedAttributeCount: 3},
			},
			Status:               sdktrace.Status{Code: codes.Error, Description: "it failed"},
			DroppedAttributes:    4,
			DroppedEvents:        5,
			DroppedLinks:         math.MaxInt64,
			Resource:             res1,
			InstrumentationScope: scope1,
		},
		{
			Name:                 "child",
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid1, SpanID: sid2, TraceFlags: trace.FlagsSampled}),
			Parent:               root,
			SpanKind:             trace.SpanKindClient,
			StartTime:            time.Unix(-5, 0), // before 1970: sent as 0
			EndTime:              t0,
			Status:               sdktrace.Status{Code: codes.Ok},
			Resource:             res1,
			InstrumentationScope: scope2,
		},
		{
			Name:        "other",
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid2, SpanID: sid3}),
			SpanKind:    trace.SpanKindProducer,
			Resource:    res2,
		},
	}
	want := &collectortrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
				kv("process.pid", anyIntV(7)), kv("service.name", anyStr("cri-tools")),
			}},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
			ScopeSpans: []*tracepb.ScopeSpans{
				{
					Scope:     &commonpb.InstrumentationScope{Name: "s1", Version: "v1.2", Attributes: []*commonpb.KeyValue{kv("scoped", anyBoolV(true))}},
					SchemaUrl: "https://scope/schema",
					Spans: []*tracepb.Span{{
						TraceId:                tid1[:],
						SpanId:                 sid1[:],
						TraceState:             "vendor=a,other=b",
						ParentSpanId:           sid3[:],
						Flags:                  0x301,
						Name:                   "root",
						Kind:                   tracepb.Span_SPAN_KIND_SERVER,
						StartTimeUnixNano:      uint64(t0.UnixNano()),
						EndTimeUnixNano:        uint64(t0.Add(time.Second).UnixNano()),
						Attributes:             everyPB,
						DroppedAttributesCount: 4,
						Events: []*tracepb.Span_Event{
							{TimeUnixNano: uint64(t0.Add(time.Millisecond).UnixNano()), Name: "exception", Attributes: []*commonpb.KeyValue{kv("exception.message", anyStr("boom"))}, DroppedAttributesCount: 2},
							{Name: "bare"},
						},
						DroppedEventsCount: 5,
						Links: []*tracepb.Span_Link{
							{TraceId: tid2[:], SpanId: sid2[:], TraceState: "vendor=a,other=b", Attributes: []*commonpb.KeyValue{kv("l", anyIntV(1))}, DroppedAttributesCount: 3, Flags: 0x300},
						},
						DroppedLinksCount: math.MaxUint32,
						Status:            &tracepb.Status{Message: "it failed", Code: tracepb.Status_STATUS_CODE_ERROR},
					}},
				},
				{
					Scope: &commonpb.InstrumentationScope{Name: "s2"},
					Spans: []*tracepb.Span{{
						TraceId:         tid1[:],
						SpanId:          sid2[:],
						ParentSpanId:    sid1[:],
						Flags:           0x101,
						Name:            "child",
						Kind:            tracepb.Span_SPAN_KIND_CLIENT,
						EndTimeUnixNano: uint64(t0.UnixNano()),
						Status:          &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
					}},
				},
			},
		},
		{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("host.name", anyStr("h"))}},
			ScopeSpans: []*tracepb.ScopeSpans{{
				Spans: []*tracepb.Span{{
					TraceId: tid2[:],
					SpanId:  sid3[:],
					Flags:   0x100,
					Name:    "other",
					Kind:    tracepb.Span_SPAN_KIND_PRODUCER,
					Status:  &tracepb.Status{},
				}},
			}},
		},
	}}
	return stubs.Snapshots(), want
}

func decode(t *testing.T, b []byte) *collectortrace.ExportTraceServiceRequest {
	t.Helper()
	got := &collectortrace.ExportTraceServiceRequest{}
	if err := proto.Unmarshal(b, got); err != nil {
		t.Fatalf("the generated types do not decode the request: %v", err)
	}
	return got
}

func sameRequest(t *testing.T, got, want proto.Message) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Errorf("request:\n%s\nwant:\n%s", prototext.Format(got), prototext.Format(want))
	}
}

// Every field of a span, event, link, status, scope and resource, and
// every attribute type, decodes with the generated types to what the
// upstream exporter would send, grouped by resource, then scope.
func TestRequestDecodesWithTheGeneratedTypes(t *testing.T) {
	spans, want := fixture(t)
	got := decode(t, AppendRequest(nil, spans))
	sameRequest(t, got, want)
	// The kinds and codes the fixture leaves out.
	for k, pb := range map[trace.SpanKind]tracepb.Span_SpanKind{
		trace.SpanKindInternal:    tracepb.Span_SPAN_KIND_INTERNAL,
		trace.SpanKindConsumer:    tracepb.Span_SPAN_KIND_CONSUMER,
		trace.SpanKindUnspecified: tracepb.Span_SPAN_KIND_UNSPECIFIED,
	} {
		s := tracetest.SpanStubs{{Name: "k", SpanKind: k, Status: sdktrace.Status{Code: codes.Unset, Description: "ignored?"}}}
		got := decode(t, AppendRequest(nil, s.Snapshots())).ResourceSpans[0].ScopeSpans[0].Spans[0]
		if got.Kind != pb || got.Status.Code != tracepb.Status_STATUS_CODE_UNSET {
			t.Errorf("kind %v: sent as %v, status %v", k, got.Kind, got.Status.Code)
		}
	}
	if b := AppendRequest(nil, nil); len(b) != 0 {
		t.Errorf("no spans make %d bytes", len(b))
	}
}

// AppendRequest appends: what b held stays in front.
func TestAppendRequestAppends(t *testing.T) {
	spans, want := fixture(t)
	b := AppendRequest([]byte("prefix"), spans)
	if !strings.HasPrefix(string(b), "prefix") {
		t.Fatalf("prefix lost: %q", b[:10])
	}
	sameRequest(t, decode(t, b[len("prefix"):]), want)
}

// Hostile strings: every string field is sent as valid UTF-8 (the
// generated types reject anything else, and so does a collector built on
// them), with each bad byte run as U+FFFD; valid strings pass untouched.
func FuzzHostileStrings(f *testing.F) {
	f.Add("ps", "key", "value", "ok")
	f.Add("\xff", "k\xc3", "v\xed\xa0\x80", "\x80msg")
	f.Add("", "", "", "")
	f.Add(strings.Repeat("é", 300), "\x00", "a\xffb\xfe", "\U0010FFFF")
	f.Fuzz(func(t *testing.T, name, key, value, msg string) {
		ts := tracetest.SpanStubs{{
			Name:       name,
			Attributes: []attribute.KeyValue{attribute.String(key, value), attribute.StringSlice(key, []string{value})},
			Events:     []sdktrace.Event{{Name: name, Attributes: []attribute.KeyValue{attribute.String(key, value)}}},
			Status:     sdktrace.Status{Code: codes.Error, Description: msg},
			// A resource drops an attribute with an empty key.
			Resource:             resource.NewSchemaless(attribute.String("k", value)),
			InstrumentationScope: instrumentation.Scope{Name: name, Version: value},
		}}
		got := decode(t, AppendRequest(nil, ts.Snapshots()))
		fix := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		rs := got.ResourceSpans[0]
		sp := rs.ScopeSpans[0].Spans[0]
		checks := []struct{ what, got, want string }{
			{"name", sp.Name, fix(name)},
			{"key", sp.Attributes[0].Key, fix(key)},
			{"value", sp.Attributes[0].Value.GetStringValue(), fix(value)},
			{"slice value", sp.Attributes[1].Value.GetArrayValue().GetValues()[0].GetStringValue(), fix(value)},
			{"event name", sp.Events[0].Name, fix(name)},
			{"event value", sp.Events[0].Attributes[0].Value.GetStringValue(), fix(value)},
			{"status", sp.Status.Message, fix(msg)},
			{"resource value", rs.Resource.Attributes[0].Value.GetStringValue(), fix(value)},
			{"scope name", rs.ScopeSpans[0].Scope.GetName(), fix(name)},
			{"scope version", rs.ScopeSpans[0].Scope.GetVersion(), fix(value)},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s sent as %q, want %q", c.what, c.got, c.want)
			}
		}
	})
}

// A value larger than any varint length of one byte, two or three moves
// the lengths of every enclosing message; all still decode.
func TestLargeValues(t *testing.T) {
	for _, n := range []int{127, 128, 16383, 16384, 1 << 21, 5 << 20} {
		v := strings.Repeat("x", n)
		ts := tracetest.SpanStubs{{Name: "big", Attributes: []attribute.KeyValue{attribute.String("v", v)}}}
		got := decode(t, AppendRequest(nil, ts.Snapshots()))
		if s := got.ResourceSpans[0].ScopeSpans[0].Spans[0]; s.Name != "big" || s.Attributes[0].Value.GetStringValue() != v {
			t.Errorf("a %d-byte value does not come back", n)
		}
	}
}
