package retry

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/smithy-go/tracing"

	"github.com/s3conflict/s3conflict/conflict"
)

// Event describes one decision of the loop: a retry, a rename, an accepted
// answer or a give-up. It is what Options.OnEvent receives and what the
// log record says.
type Event struct {
	Action     Action // Retry, Rename, Accept or Stop
	Operation  string
	Bucket     string // the bucket the answered request named
	Key        string
	NewBucket  string // for Rename: the name the next request uses
	Code       string
	StatusCode int
	Kind       conflict.Kind
	Attempt    int           // the request that was answered, from 1
	Delay      time.Duration // for Retry: the whole wait before the next request
	BudgetWait time.Duration // for Retry: the part of Delay the budget added
	Elapsed    time.Duration // since the first request of the call
	RequestID  string
	HostID     string
	// Err is, for Stop, the error the call returns; otherwise the answer
	// that led to the decision.
	Err error
}

// emit logs e to the user's logger, passes it to the hook, and records a
// retry on the operation's span when the SDK's tracing is configured.
func (o *Options) emit(ctx context.Context, e Event) {
	if o.OnEvent != nil {
		o.OnEvent(e)
	}
	if span, ok := tracing.GetSpan(ctx); ok {
		span.AddEvent("s3conflict."+e.Action.String(), func(eo *tracing.EventOptions) {
			eo.Properties.Set("s3conflict.kind", e.Kind.String())
			eo.Properties.Set("s3conflict.code", e.Code)
			eo.Properties.Set("s3conflict.attempt", e.Attempt)
			eo.Properties.Set("s3conflict.delay_ms", e.Delay.Milliseconds())
		})
	}
	if o.Logger == nil {
		return
	}
	level := slog.LevelInfo
	msg := "s3 conflict: " + e.Action.String()
	if e.Action == Retry {
		level = slog.LevelDebug
	}
	if !o.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", e.Operation),
		slog.String("bucket", e.Bucket),
		slog.String("key", e.Key),
		slog.String("code", e.Code),
		slog.Int("status", e.StatusCode),
		slog.String("kind", e.Kind.String()),
		slog.Int("attempt", e.Attempt),
		slog.Duration("delay", e.Delay),
		slog.Duration("elapsed", e.Elapsed),
		slog.String("request_id", e.RequestID),
		slog.String("host_id", e.HostID),
	}
	if e.BudgetWait > 0 {
		attrs = append(attrs, slog.Duration("budget_wait", e.BudgetWait))
	}
	if e.NewBucket != "" {
		attrs = append(attrs, slog.String("new_bucket", e.NewBucket))
	}
	if e.Action == Stop && e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	o.Logger.LogAttrs(ctx, level, msg, attrs...)
}
