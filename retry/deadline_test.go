package retry_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/retry"
)

// recorder collects events from any goroutine.
type recorder struct {
	mu     sync.Mutex
	events []retry.Event
}

func (r *recorder) add(e retry.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []retry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]retry.Event(nil), r.events...)
}

func (r *recorder) options(o *retry.Options) { o.OnEvent = r.add }

// A wait that would end after the context's deadline is never started: the
// call stops at once, with an error that is both the deadline and the
// conflict, and one Stop record like every other give-up.
func TestNoWaitPastTheDeadline(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	rec := &recorder{}
	waits := 0
	c := stub.Client(retry.OnConflict(rec.options, func(o *retry.Options) {
		o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(2 * time.Hour) }
		o.MaxElapsed = -1
		o.Sleep = func(ctx context.Context, d time.Duration) error { waits++; return ctx.Err() }
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err := c.PutBucketTagging(ctx, tagging("b"))
	require.Error(t, err)
	assert.Zero(t, waits, "no wait started that would outlast the deadline")
	assert.Equal(t, 1, stub.Count())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, conflict.Transient)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "OperationAborted", ce.Code)
	events := rec.all()
	require.Len(t, events, 1)
	assert.Equal(t, retry.Stop, events[0].Action)
	assert.ErrorIs(t, events[0].Err, context.DeadlineExceeded)
}

// A context cancelled during a wait ends the call with one Stop record.
func TestCancelDuringWaitLeavesAStopRecord(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := stub.Client(retry.OnConflict(rec.options, func(o *retry.Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() }
	}))
	_, err := c.PutBucketTagging(ctx, tagging("b"))
	require.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, conflict.Transient)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	events := rec.all()
	require.Len(t, events, 2)
	assert.Equal(t, retry.Retry, events[0].Action)
	assert.Equal(t, retry.Stop, events[1].Action)
	assert.ErrorIs(t, events[1].Err, context.Canceled)
}
