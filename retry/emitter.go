package retry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"

	"github.com/s3conflict/s3conflict/conflict"
)

// emitter reports the loop's decisions to every place the Options name:
// the hook, the logger, the operation's span (when the SDK's tracing is
// configured) and the client's meter. It is the only code that emits, it
// is immutable after construction, and it is safe for concurrent use.
type emitter struct {
	logger  *slog.Logger
	onEvent func(Event)
}

// emit reports e; m is the client's decision counter, nil for Do.
func (em *emitter) emit(ctx context.Context, e Event, m *meter) {
	if em.onEvent != nil {
		em.onEvent(e)
	}
	if span, ok := tracing.GetSpan(ctx); ok {
		span.AddEvent("s3conflict."+e.Action.String(), func(eo *tracing.EventOptions) {
			eo.Properties.Set("s3conflict.call_id", e.CallID)
			eo.Properties.Set("s3conflict.kind", e.Kind.String())
			eo.Properties.Set("s3conflict.code", e.Code)
			eo.Properties.Set("s3conflict.attempt", e.Attempt)
			eo.Properties.Set("s3conflict.delay_ms", e.Delay.Milliseconds())
			eo.Properties.Set("s3conflict.waited_ms", e.Waited.Milliseconds())
		})
	}
	m.count(ctx, e)
	em.log(ctx, e)
}

// level is the record's level: a retry, a wait behind other calls and an
// Updater's yield at Debug (and the success of a call that only waited, meeting no
// conflict), a give-up at Warn, the rest (resolved, accept, rename) at
// Info.
func level(e Event) slog.Level {
	switch {
	case e.Action == Retry, e.Action == Waited, e.Action == Yielded, e.Action == Resolved && e.Kind == conflict.None:
		return slog.LevelDebug
	case e.Action == Stop:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func (em *emitter) log(ctx context.Context, e Event) {
	lvl := level(e)
	if em.logger == nil || !em.logger.Enabled(ctx, lvl) {
		return
	}
	attrs := []slog.Attr{
		slog.String("call_id", e.CallID),
		slog.String("operation", e.Operation),
		slog.String("bucket", e.Bucket),
		slog.String("key", e.Key),
		slog.String("code", e.Code),
		slog.Int("status", e.StatusCode),
		slog.String("kind", e.Kind.String()),
		slog.Int("attempt", e.Attempt),
		slog.Duration("delay", e.Delay),
		slog.Duration("waited", e.Waited),
		slog.Duration("elapsed", e.Elapsed),
		slog.String("request_id", e.RequestID),
		slog.String("host_id", e.HostID),
	}
	if e.BudgetWait > 0 {
		attrs = append(attrs, slog.Duration("budget_wait", e.BudgetWait))
	}
	if e.WaitedFor != "" {
		attrs = append(attrs, slog.String("waited_for", e.WaitedFor), slog.Int("ahead", e.Ahead))
	}
	if e.Behind > 0 {
		attrs = append(attrs, slog.Int("behind", e.Behind))
	}
	if e.NewBucket != "" {
		attrs = append(attrs, slog.String("new_bucket", e.NewBucket))
	}
	if e.Action == Stop && e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	em.logger.LogAttrs(ctx, lvl, "s3 conflict: "+e.Action.String(), attrs...)
}

// newCallID returns the id all records of one call share: 16 hex digits,
// made only once the call meets a conflict.
func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DecisionsMetric is the counter, on the client's MeterProvider, of the
// decisions the loop made, with the properties action, kind, operation and
// code.
const DecisionsMetric = "s3conflict.decisions"

// meter counts decisions on a client's MeterProvider, read from the
// client's options at the first decision (they are finished by then). A
// nil *meter counts nothing.
type meter struct {
	opts    *s3.Options
	once    sync.Once
	counter metrics.Int64Counter
}

func (m *meter) count(ctx context.Context, e Event) {
	if m == nil {
		return
	}
	m.once.Do(func() {
		if m.opts == nil || m.opts.MeterProvider == nil {
			return
		}
		c, err := m.opts.MeterProvider.Meter("github.com/s3conflict/s3conflict/retry").Int64Counter(DecisionsMetric,
			func(o *metrics.InstrumentOptions) {
				o.UnitLabel = "{decision}"
				o.Description = "S3 conflict decisions: retry, rename, accept, stop, resolved"
			})
		if err == nil {
			m.counter = c
		}
	})
	if m.counter == nil {
		return
	}
	m.counter.Add(ctx, 1, func(o *metrics.RecordMetricOptions) {
		o.Properties.Set("action", e.Action.String())
		o.Properties.Set("kind", e.Kind.String())
		o.Properties.Set("operation", e.Operation)
		o.Properties.Set("code", e.Code)
	})
}
