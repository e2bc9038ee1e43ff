//go:build go1.25

package retry_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on de1c151 (a take that loses after its probe, on content newer
// than the probe, looks again a short wait later): the caller's context
// ends during that short wait. The update returns the context's error at
// once, not ErrAmbiguousWrite (no write carrying it is in flight: its
// take was answered 412), sends nothing more, and is not in the object.
// The set-up is TestWaiterThatLosesATakeAfterItsProbeLooksAgainSoon's:
// one write slips in between the probe and the read, one between the read
// and the write. Time is virtual, 2 ms per answer.
func TestAttack7CancelDuringTheShortWaitAfterALostTake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const answer = 2 * time.Millisecond
		bucket, key := "handoff", "counter"
		srv := slowServer(t, answer, bucket)
		busy := retry.NewUpdater(srv.Client())
		other := retry.NewUpdater(srv.Client())
		stopped := make(chan struct{})
		var slips, after atomic.Int32
		slip := func() {
			_, err := other.Update(context.Background(), bucket, key, retry.Incr)
			require.NoError(t, err)
			slips.Add(1)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var cancelled atomic.Bool
		var cancelledAt time.Time
		var lostTake retry.Event
		waiter := retry.NewUpdater(srv.Client(loseTwice, func(o *s3.Options) {
			next := o.HTTPClient
			var probed bool
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				if cancelled.Load() {
					after.Add(1)
				}
				select {
				case <-stopped:
				default:
					return next.Do(r)
				}
				switch {
				case r.Method == http.MethodHead:
					probed = true
				case r.Method == http.MethodGet && probed && slips.Load() == 0:
					slip() // between the probe and the read
				case r.Method == http.MethodPut && slips.Load() == 1:
					slip() // between the read and the write
				}
				return next.Do(r)
			})
		}), func(o *retry.UpdateOptions) {
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry && slips.Load() == 2 && !cancelled.Load() {
					lostTake = e
					cancelledAt = time.Now()
					cancelled.Store(true)
					cancel() // the short wait after the lost take is about to begin
				}
			}
		})
		var wg sync.WaitGroup
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(i int) bool { return i < 300 }, func(int) { close(stopped) })
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		returned := time.Since(cancelledAt)
		wg.Wait()
		require.True(t, cancelled.Load(), "the waiter's take never lost after its probe")
		assert.Equal(t, conflict.PreconditionFailed, lostTake.Kind)
		assert.Less(t, lostTake.Delay, retry.DefaultContentionMax/2, "a short wait after the lost take")
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite, "no write carrying the update was in flight")
		assert.Zero(t, returned, "the update returned when its context ended")
		assert.Zero(t, after.Load(), "requests after the context ended")
		assert.Equal(t, "302", get(t, srv.Client(), bucket, key), "the busy writer's and the two slipped updates, not the cancelled one")
	})
}
