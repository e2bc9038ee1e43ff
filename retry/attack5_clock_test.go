//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// clockRun is what streamWithClock measured.
type clockRun struct {
	lost   int64         // the waiter's writes answered 412 while the busy writer streamed
	stream time.Duration // how long the busy writer streamed
	after  time.Duration // from the busy writer's last commit to the waiter's
}

// streamWithClock runs a busy writer back to back for stream (virtual
// time, 2 ms per answer) whose clock is clock(start, now) while one
// waiter, in another Updater whose clock is waiterClock(start, now),
// waits for the key.
func streamWithClock(t *testing.T, stream time.Duration, clock, waiterClock func(start, now time.Time) time.Time) clockRun {
	t.Helper()
	var r clockRun
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "clock", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		start := time.Now()
		busy := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
			o.Options.Now = func() time.Time { return clock(start, time.Now()) }
		})
		var streaming atomic.Bool
		streaming.Store(true)
		var lost atomic.Int64
		// Its first two writes lose (loseTwice), so it waits for the
		// key from the start, never winning a race before it watches.
		waiter := retry.NewUpdater(srv.Client(loseTwice, func(o *s3.Options) {
			next := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := next.Do(r)
				if err == nil && r.Method == http.MethodPut && resp.StatusCode == http.StatusPreconditionFailed && streaming.Load() {
					lost.Add(1)
				}
				return resp, err
			})
		}), func(o *retry.UpdateOptions) {
			o.Options.Now = func() time.Time { return waiterClock(start, time.Now()) }
		})
		var wg sync.WaitGroup
		var last time.Time
		n := 0
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(int) bool { return time.Since(start) < stream },
			func(i int) { n, last = i, time.Now(); streaming.Store(false) })
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		require.NoError(t, err)
		done := time.Now()
		wg.Wait()
		assert.Equal(t, fmt.Sprint(n+1), get(t, srv.Client(), bucket, key), "every update once")
		r = clockRun{lost: lost.Load(), stream: last.Sub(start), after: done.Sub(last)}
	})
	return r
}

// Attack on 2940aa5: a waiter tells that the key's busy writer stopped by
// how long ago its last write was made, by the writer's clock, less the
// least lag it saw behind that clock. A clock that steps back (here by a
// minute, 0.5 s into a 2 s stream), or that is a minute ahead for 150 ms
// then right again, or the waiter's own clock stepping a minute ahead,
// left that least lag behind for good: every later write looked a minute
// old, and the waiter took the key (and lost) at every wait while its
// writer went on. Time is virtual, 2 ms per answer; the waiter's first two
// writes lose in every case. Lost writes while the busy writer streamed: 2
// before 2940aa5; 14 to 16, 13 to 16 and 15 with it; 3 now that a lost
// take measures the clock afresh, and a lag short of the least one by more
// than a round trip starts the measure again. A clock that stopped, or
// runs at half speed: 14 to 16 until a writer whose clock advances less
// than 3/4 of the reader's between two reads is no longer timed
// (clockLags), 2 now (the waiter's first two writes are refused on
// purpose, loseTwice, so that it never wins a race before it watches).
func TestAttack5WaiterKeepsWaitingWhenAClockSteps(t *testing.T) {
	const stream = 2 * time.Second
	right := func(_, now time.Time) time.Time { return now }
	step := func(by time.Duration) func(start, now time.Time) time.Time {
		return func(start, now time.Time) time.Time {
			if now.Sub(start) >= 500*time.Millisecond {
				return now.Add(by)
			}
			return now
		}
	}
	for _, c := range []struct {
		name          string
		busy, waiters func(start, now time.Time) time.Time
	}{
		{"a minute back", step(-time.Minute), right},
		{"a minute ahead for 150 ms", func(start, now time.Time) time.Time {
			if d := now.Sub(start); d >= 500*time.Millisecond && d < 650*time.Millisecond {
				return now.Add(time.Minute)
			}
			return now
		}, right},
		{"the waiter's a minute ahead", right, step(time.Minute)},
		{"frozen", func(start, _ time.Time) time.Time { return start }, right},
		{"at half speed", func(start, now time.Time) time.Time { return start.Add(now.Sub(start) / 2) }, right},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := streamWithClock(t, stream, c.busy, c.waiters)
			assert.LessOrEqual(t, r.lost, int64(4), "writes that lost while the busy writer went on")
			t.Logf("lost %d writes in %v of streaming; committed %v after the busy writer's last", r.lost, r.stream, r.after)
		})
	}
}
