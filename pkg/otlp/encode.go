package otlp

import (
	"math"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of opentelemetry-proto (collector/trace/v1, trace/v1,
// resource/v1, common/v1), named message_field.
const (
	exportRequestResourceSpans = 1

	resourceSpansResource   = 1
	resourceSpansScopeSpans = 2
	resourceSpansSchemaURL  = 3

	scopeSpansScope     = 1
	scopeSpansSpans     = 2
	scopeSpansSchemaURL = 3

	resourceAttributes = 1

	scopeName       = 1
	scopeVersion    = 2
	scopeAttributes = 3

	spanTraceID           = 1
	spanSpanID            = 2
	spanTraceState        = 3
	spanParentSpanID      = 4
	spanName              = 5
	spanKind              = 6
	spanStartTime         = 7
	spanEndTime           = 8
	spanAttributes        = 9
	spanDroppedAttributes = 10
	spanEvents            = 11
	spanDroppedEvents     = 12
	spanLinks             = 13
	spanDroppedLinks      = 14
	spanStatus            = 15
	spanFlags             = 16

	eventTime              = 1
	eventName              = 2
	eventAttributes        = 3
	eventDroppedAttributes = 4

	linkTraceID           = 1
	linkSpanID            = 2
	linkTraceState        = 3
	linkAttributes        = 4
	linkDroppedAttributes = 5
	linkFlags             = 6

	statusMessage = 2
	statusCode    = 3

	keyValueKey   = 1
	keyValueValue = 2

	anyString = 1
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4
	anyArray  = 5
	anyKVList = 6
	anyBytes  = 7

	arrayValues  = 1
	kvListValues = 1
)

// Enum values of Span.SpanKind, Status.StatusCode and SpanFlags.
const (
	kindUnspecified = 0
	kindInternal    = 1
	kindServer      = 2
	kindClient      = 3
	kindProducer    = 4
	kindConsumer    = 5

	codeUnset = 0
	codeOK    = 1
	codeError = 2

	flagsHasIsRemote = 0x100
	flagsIsRemote    = 0x200
)

// AppendRequest appends to b the wire form of an
// opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest holding
// spans, grouped by resource and then by instrumentation scope in the order
// they first appear, as the upstream exporter groups them. Strings that are
// not valid UTF-8 have each bad byte run replaced by U+FFFD: a collector
// built on the generated code rejects the whole request otherwise.
func AppendRequest(b []byte, spans []sdktrace.ReadOnlySpan) []byte {
	type group struct {
		res    *resource.Resource
		scopes []instrumentation.Scope
		spans  map[instrumentation.Scope][]sdktrace.ReadOnlySpan
	}
	var groups []*group
	byRes := map[attribute.Distinct]*group{}
	for _, s := range spans {
		if s == nil {
			continue
		}
		res := s.Resource()
		g := byRes[res.Equivalent()]
		if g == nil {
			g = &group{res: res, spans: map[instrumentation.Scope][]sdktrace.ReadOnlySpan{}}
			byRes[res.Equivalent()] = g
			groups = append(groups, g)
		}
		sc := s.InstrumentationScope()
		if _, ok := g.spans[sc]; !ok {
			g.scopes = append(g.scopes, sc)
		}
		g.spans[sc] = append(g.spans[sc], s)
	}
	e := encoder{b: b}
	for _, g := range groups {
		rs := e.open(exportRequestResourceSpans)
		if g.res != nil {
			r := e.open(resourceSpansResource)
			for it := g.res.Iter(); it.Next(); {
				e.keyValue(resourceAttributes, it.Attribute())
			}
			e.close(r)
		}
		for _, sc := range g.scopes {
			ss := e.open(resourceSpansScopeSpans)
			if sc != (instrumentation.Scope{}) {
				m := e.open(scopeSpansScope)
				e.str(scopeName, sc.Name)
				e.str(scopeVersion, sc.Version)
				for it := sc.Attributes.Iter(); it.Next(); {
					e.keyValue(scopeAttributes, it.Attribute())
				}
				e.close(m)
			}
			for _, s := range g.spans[sc] {
				e.span(s)
			}
			e.str(scopeSpansSchemaURL, sc.SchemaURL)
			e.close(ss)
		}
		if g.res != nil {
			e.str(resourceSpansSchemaURL, g.res.SchemaURL())
		}
		e.close(rs)
	}
	return e.b
}

// encoder appends protobuf fields to b. Proto3 leaves out a scalar field
// that holds its zero value; so does the encoder, except inside a oneof.
type encoder struct{ b []byte }

// open starts a length-delimited submessage; close ends it.
func (e *encoder) open(num protowire.Number) int {
	e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
	return len(e.b)
}

// close writes the length of the submessage opened at mark in front of
// its body, moving the body along by the size of the length.
func (e *encoder) close(mark int) {
	n := len(e.b) - mark
	w := protowire.SizeVarint(uint64(n))
	for range w {
		e.b = append(e.b, 0)
	}
	copy(e.b[mark+w:], e.b[mark:mark+n])
	protowire.AppendVarint(e.b[:mark], uint64(n))
}

func (e *encoder) str(num protowire.Number, s string) {
	if s != "" {
		e.strAlways(num, s)
	}
}

func (e *encoder) strAlways(num protowire.Number, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
	e.b = protowire.AppendString(e.b, s)
}

func (e *encoder) bytes(num protowire.Number, v []byte) {
	if len(v) > 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, v)
	}
}

func (e *encoder) uint(num protowire.Number, v uint64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, v)
	}
}

func (e *encoder) fixed32(num protowire.Number, v uint32) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.Fixed32Type)
		e.b = protowire.AppendFixed32(e.b, v)
	}
}

func (e *encoder) fixed64(num protowire.Number, v uint64) {
	if v != 0 {
		e.b = protowire.AppendTag(e.b, num, protowire.Fixed64Type)
		e.b = protowire.AppendFixed64(e.b, v)
	}
}

func (e *encoder) span(s sdktrace.ReadOnlySpan) {
	m := e.open(scopeSpansSpans)
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	e.bytes(spanTraceID, tid[:])
	e.bytes(spanSpanID, sid[:])
	e.str(spanTraceState, sc.TraceState().String())
	parent := s.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		e.bytes(spanParentSpanID, psid[:])
	}
	e.str(spanName, s.Name())
	e.uint(spanKind, kind(s.SpanKind()))
	e.fixed64(spanStartTime, unixNano(s.StartTime().UnixNano()))
	e.fixed64(spanEndTime, unixNano(s.EndTime().UnixNano()))
	for _, kv := range s.Attributes() {
		e.keyValue(spanAttributes, kv)
	}
	e.uint(spanDroppedAttributes, count(s.DroppedAttributes()))
	for _, ev := range s.Events() {
		m := e.open(spanEvents)
		e.fixed64(eventTime, unixNano(ev.Time.UnixNano()))
		e.str(eventName, ev.Name)
		for _, kv := range ev.Attributes {
			e.keyValue(eventAttributes, kv)
		}
		e.uint(eventDroppedAttributes, count(ev.DroppedAttributeCount))
		e.close(m)
	}
	e.uint(spanDroppedEvents, count(s.DroppedEvents()))
	for _, l := range s.Links() {
		m := e.open(spanLinks)
		tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		e.bytes(linkTraceID, tid[:])
		e.bytes(linkSpanID, sid[:])
		e.str(linkTraceState, l.SpanContext.TraceState().String())
		for _, kv := range l.Attributes {
			e.keyValue(linkAttributes, kv)
		}
		e.uint(linkDroppedAttributes, count(l.DroppedAttributeCount))
		e.fixed32(linkFlags, flags(l.SpanContext.TraceFlags(), l.SpanContext))
		e.close(m)
	}
	e.uint(spanDroppedLinks, count(s.DroppedLinks()))
	// The status is always sent, empty when unset, as upstream does.
	st := e.open(spanStatus)
	e.str(statusMessage, s.Status().Description)
	e.uint(statusCode, code(s.Status().Code))
	e.close(st)
	e.fixed32(spanFlags, flags(sc.TraceFlags(), parent))
	e.close(m)
}

// flags are the W3C trace flags plus whether parent is remote, a fact the
// span flags say is known.
func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | flagsHasIsRemote
	if parent.IsRemote() {
		f |= flagsIsRemote
	}
	return f
}

func kind(k trace.SpanKind) uint64 {
	switch k {
	case trace.SpanKindInternal:
		return kindInternal
	case trace.SpanKindServer:
		return kindServer
	case trace.SpanKindClient:
		return kindClient
	case trace.SpanKindProducer:
		return kindProducer
	case trace.SpanKindConsumer:
		return kindConsumer
	}
	return kindUnspecified
}

func code(c codes.Code) uint64 {
	switch c {
	case codes.Ok:
		return codeOK
	case codes.Error:
		return codeError
	}
	return codeUnset
}

// unixNano sends times before 1970 (and the zero time) as 0: the field is
// unsigned.
func unixNano(ns int64) uint64 {
	return uint64(max(ns, 0))
}

// count clamps a dropped count to the uint32 of the wire.
func count(n int) uint64 {
	return uint64(min(max(n, 0), math.MaxUint32))
}

func (e *encoder) keyValue(num protowire.Number, kv attribute.KeyValue) {
	m := e.open(num)
	e.str(keyValueKey, string(kv.Key))
	e.anyValue(keyValueValue, kv.Value)
	e.close(m)
}

// anyValue writes an AnyValue; its value is a oneof, so a zero (false, 0,
// "") is written too. An attribute.Value that is EMPTY is an AnyValue with
// no value.
func (e *encoder) anyValue(num protowire.Number, v attribute.Value) {
	m := e.open(num)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.BOOL:
		e.boolAlways(v.AsBool())
	case attribute.INT64:
		e.intAlways(v.AsInt64())
	case attribute.FLOAT64:
		e.doubleAlways(v.AsFloat64())
	case attribute.STRING:
		e.strAlways(anyString, v.AsString())
	case attribute.BYTESLICE:
		e.b = protowire.AppendTag(e.b, anyBytes, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, v.AsByteSlice())
	case attribute.BOOLSLICE:
		array(e, v.AsBoolSlice(), e.boolAlways)
	case attribute.INT64SLICE:
		array(e, v.AsInt64Slice(), e.intAlways)
	case attribute.FLOAT64SLICE:
		array(e, v.AsFloat64Slice(), e.doubleAlways)
	case attribute.STRINGSLICE:
		array(e, v.AsStringSlice(), func(x string) { e.strAlways(anyString, x) })
	case attribute.SLICE:
		a := e.open(anyArray)
		for _, x := range v.AsSlice() {
			e.anyValue(arrayValues, x)
		}
		e.close(a)
	case attribute.MAP:
		l := e.open(anyKVList)
		for _, kv := range v.AsMap() {
			e.keyValue(kvListValues, kv)
		}
		e.close(l)
	default:
		// A type this encoder does not know, from a newer SDK: upstream
		// sends this placeholder.
		e.strAlways(anyString, "INVALID")
	}
	e.close(m)
}

// array writes xs as an ArrayValue, each element an AnyValue written by put.
func array[T any](e *encoder, xs []T, put func(T)) {
	a := e.open(anyArray)
	for _, x := range xs {
		m := e.open(arrayValues)
		put(x)
		e.close(m)
	}
	e.close(a)
}

func (e *encoder) boolAlways(v bool) {
	e.b = protowire.AppendTag(e.b, anyBool, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, protowire.EncodeBool(v))
}

func (e *encoder) intAlways(v int64) {
	e.b = protowire.AppendTag(e.b, anyInt, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, uint64(v))
}

func (e *encoder) doubleAlways(v float64) {
	e.b = protowire.AppendTag(e.b, anyDouble, protowire.Fixed64Type)
	e.b = protowire.AppendFixed64(e.b, math.Float64bits(v))
}
