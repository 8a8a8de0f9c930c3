package cmdutil

import (
	"context"
	"os"
	"time"

	"github.com/urfave/cli/v3"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"

	"github.com/ctrcri/ctrcri/pkg/otlp"
)

// startTracing builds crictl's tracing setup: an OTLP/gRPC exporter to
// endpoint (plain text, as crictl, unless the OTEL_EXPORTER_OTLP_*
// environment gives certificates), a batch processor and a parent-based
// sampler taking rate traces per million (negative: all, 0: none). Nothing
// here runs unless --enable-tracing is given. shutdown flushes the spans
// and returns within timeout, and by deadline when one is set (ctr's
// --timeout: a deadline on the whole command), even when no collector
// answers.
func startTracing(endpoint string, rate int, timeout time.Duration, deadline time.Time) (trace.TracerProvider, func(), error) {
	if !deadline.IsZero() {
		timeout = max(min(timeout, time.Until(deadline)), time.Millisecond)
	}
	// A collector that is down must not slow the command: the exporter
	// makes one attempt per batch, bounded by timeout.
	exp, err := otlp.New(endpoint, timeout, otlp.FromEnv(os.Getenv, os.ReadFile))
	if err != nil {
		return nil, nil, UsageErrorf("--%s %q: %v", flagTraceEP, endpoint, err)
	}
	var sampler sdktrace.Sampler
	switch {
	case rate < 0:
		sampler = sdktrace.AlwaysSample()
	case rate == 0:
		sampler = sdktrace.NeverSample()
	default:
		sampler = sdktrace.TraceIDRatioBased(float64(rate) / 1e6)
	}
	host, _ := os.Hostname()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.ParentBased(sampler)),
		sdktrace.WithBatcher(exp, sdktrace.WithExportTimeout(timeout)),
		// crictl's resource, schema URL included (its semconv's).
		sdktrace.WithResource(resource.NewWithAttributes("https://opentelemetry.io/schemas/1.17.0",
			attribute.String("service.name", "cri-tools"),
			attribute.String("host.name", host),
			attribute.Int("process.pid", os.Getpid()),
		)),
	)
	// Export failures are the collector's problem, not the command's: the
	// SDK would otherwise log them on stderr.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	shutdown := func() {
		end := time.Now().Add(timeout)
		if !deadline.IsZero() && deadline.Before(end) {
			end = deadline
		}
		sctx, cancel := context.WithDeadline(context.Background(), end)
		defer cancel()
		_ = tp.Shutdown(sctx)
	}
	return tp, shutdown, nil
}

type tracerKey struct{}

func withTracerProvider(ctx context.Context, tp trace.TracerProvider) context.Context {
	return context.WithValue(ctx, tracerKey{}, tp)
}

// rpcTracing is the stats handler that makes one child span per CRI call
// (rpcspan.go), or nil when the command is not traced.
func rpcTracing(ctx context.Context) stats.Handler {
	tp, ok := ctx.Value(tracerKey{}).(trace.TracerProvider)
	if !ok {
		return nil
	}
	return newRPCSpans(tp, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// commandDeadline is when ctr's --timeout (a deadline on the whole
// command, counted from now) ends; zero when there is none, and always
// under the crictl name, whose --timeout is per call.
func commandDeadline(cmd *cli.Command) time.Time {
	root := cmd.Root()
	if root == CriCommand(cmd) || !HasFlag(root, "timeout") {
		return time.Time{}
	}
	if d := root.Duration("timeout"); d > 0 {
		return time.Now().Add(d)
	}
	return time.Time{}
}

// exportTimeout bounds the trace export: crictl's --timeout.
func exportTimeout(cri *cli.Command) time.Duration {
	if d := cri.Duration("timeout"); d > 0 {
		return d
	}
	return 2 * time.Second
}
