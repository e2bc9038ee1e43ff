//go:build go1.25

package retry_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// A contention backoff that says stop (backoff.Stop; here after one wait,
// backoff.WithMaxRetries) ends the update with ErrBackoffStopped, as
// Options.Backoff does. It was taken for no wait at all: 100 rounds in
// 0.5 to 0.7 s (virtual, 2 ms per answer), 233 to 298 requests, Retry
// events with Delay -1ns. Here the key refuses every write (412).
func TestAttack3ContentionStopEndsTheUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "stopped", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		s3test.Put(t, srv.Client(), bucket, key, "0")
		var puts atomic.Int64
		var delays []time.Duration
		u := retry.NewUpdater(srv.Client(refuseWrites, countPuts(&puts)), func(o *retry.UpdateOptions) {
			o.Contention = func() backoff.BackOff {
				return backoff.WithMaxRetries(backoff.NewConstantBackOff(10*time.Millisecond), 1)
			}
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry {
					delays = append(delays, e.Delay)
				}
			}
		})
		_, err := u.Update(ctx, bucket, key, retry.Incr)
		require.ErrorIs(t, err, retry.ErrBackoffStopped)
		var ce *conflict.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, conflict.PreconditionFailed, ce.Kind)
		assert.Equal(t, 2, ce.Attempts, "writes sent")
		assert.Equal(t, int64(2), puts.Load(), "one write, one wait, one write")
		assert.Equal(t, []time.Duration{10 * time.Millisecond}, delays, "Retry events")
		assert.Equal(t, "0", get(t, srv.Client(), bucket, key))
	})
}
