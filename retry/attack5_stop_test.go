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
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// stopWithClock runs a busy writer back to back and a waiter whose
// contention wait is wait, always (no jitter); the busy writer stops frac
// of a wait after the waiter's probe-th read of the headers, and its clock
// is clock(start, now, stopping), stopping set from that read on (nil: the
// right time). It returns how long after the busy writer's last commit the
// waiter committed.
func stopWithClock(t *testing.T, wait time.Duration, probe int, frac float64,
	clock func(start, now time.Time, stopping bool) time.Time) time.Duration {
	t.Helper()
	var after time.Duration
	synctest.Test(t, func(t *testing.T) {
		const answer = 2 * time.Millisecond
		ctx := context.Background()
		bucket, key := "stop", "counter"
		srv := slowServer(t, answer, bucket)
		start := time.Now()
		var stopAt atomic.Pointer[time.Time]
		busy := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
			if clock != nil {
				o.Options.Now = func() time.Time { return clock(start, time.Now(), stopAt.Load() != nil) }
			}
		})
		heads := 0
		waiter := retry.NewUpdater(srv.Client(loseTwice, func(o *s3.Options) {
			next := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := next.Do(r)
				if r.Method == http.MethodHead {
					if heads++; heads == probe {
						at := time.Now().Add(time.Duration(frac * float64(wait)))
						stopAt.Store(&at)
					}
				}
				return resp, err
			})
		}), func(o *retry.UpdateOptions) {
			o.Contention = func() backoff.BackOff { return backoff.NewConstantBackOff(wait) }
		})
		var wg sync.WaitGroup
		var last time.Time
		n := 0
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(int) bool {
			at := stopAt.Load()
			return at == nil || time.Now().Before(*at)
		}, func(i int) { n, last = i, time.Now() })
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		require.NoError(t, err)
		done := time.Now()
		wg.Wait()
		assert.Equal(t, fmt.Sprint(n+1), get(t, srv.Client(), bucket, key), "every update once")
		after = done.Sub(last)
	})
	return after
}

// Attack on 2940aa5: the busy writer's clock steps a minute ahead during
// the waiter's last wait before it stops (from its sixth probe on). Its
// last writes then looked made a minute before they were read, less than
// no time ago by the least lag the waiter had measured: "goes on", a whole
// wait more. The waiter must still take the key within one contention
// wait, a fifth of one and 8 answers (TestAttack4WaiterTakesTheKeyAWaitAfterItsWriterStops),
// whatever the moment of the wait at which it stops. Waits of 100 ms with
// no jitter; time is virtual, 2 ms per answer. From the busy writer's last
// commit to the waiter's, the writer stopping 0, 0.1, ... 0.9 of a wait
// after the probe: before 2940aa5, 106 down to 42 ms, 128 and 118 ms at 0.8
// and 0.9; with it, 168 ms at 0.4 (then 158 down to 118); now 104 down to
// 42 ms, 128 and 118 ms at 0.8 and 0.9.
func TestAttack5WaiterTakesTheKeyAWaitAfterItsWriterStopsWhenItsClockStepsAhead(t *testing.T) {
	const wait, answer = 100 * time.Millisecond, 2 * time.Millisecond
	ahead := func(_, now time.Time, stopping bool) time.Time {
		if stopping {
			return now.Add(time.Minute)
		}
		return now
	}
	var afters []time.Duration
	for tenth := range 10 {
		after := stopWithClock(t, wait, 6, float64(tenth)/10, ahead)
		afters = append(afters, after.Round(time.Millisecond))
		assert.LessOrEqual(t, after, wait+wait/5+8*answer,
			"the busy writer stopped %d/10 of a wait after a probe; the waiter committed %v after its last commit", tenth, after)
	}
	t.Logf("the waiter committed %v after the busy writer's last commit", afters)
}
