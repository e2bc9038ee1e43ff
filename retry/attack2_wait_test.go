//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 962ff3e: two updates of one key through one Updater lose a
// race (a 412 once); the contention wait, 1 s, is made at the start of the
// next round by its leader, A, whose context ends 400 ms into it. A must
// return at its deadline with the context's error; B, queued with no
// deadline, must write when the wait is over (1 s after the loss), not
// wait it again in full (1.4 s).
func TestAttack2DeadlineDuringDeferredWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork())
		bg := context.Background()
		bucket, key := "wait", "k"
		s3test.CreateBucket(t, srv.Client(), bucket)
		_, err := retry.Update(bg, srv.Client(), bucket, key, retry.Incr)
		require.NoError(t, err)
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Status: 412, Code: "PreconditionFailed", Times: 1})
		var mu sync.Mutex
		var lossAt time.Time
		var delay time.Duration
		u := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
			o.Contention = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Second) }
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry {
					mu.Lock()
					if lossAt.IsZero() {
						lossAt, delay = time.Now(), e.Delay
					}
					mu.Unlock()
				}
			}
		})
		start := time.Now()
		ctx, cancel := context.WithTimeout(bg, 400*time.Millisecond)
		defer cancel()
		var errA, errB error
		var doneA, doneB time.Time
		var wg sync.WaitGroup
		wg.Go(func() { _, errA = u.Update(ctx, bucket, key, retry.Incr); doneA = time.Now() })
		synctest.Wait() // A leads: it is in the wait
		wg.Go(func() { _, errB = u.Update(bg, bucket, key, retry.Incr); doneB = time.Now() })
		wg.Wait()
		require.False(t, lossAt.IsZero(), "a lost race")
		t.Logf("loss at %v, wait %v; A done at %v (%v); B done at %v (%v)", lossAt.Sub(start), delay,
			doneA.Sub(start), errA, doneB.Sub(start), errB)
		assert.True(t, errors.Is(errA, context.DeadlineExceeded), "A: %v", errA)
		assert.Equal(t, 400*time.Millisecond, doneA.Sub(start), "A returns at its deadline")
		require.NoError(t, errB)
		assert.LessOrEqual(t, doneB.Sub(lossAt), delay, "B waits what is left of the wait, not all of it again")
	})
}

// Attack on 962ff3e with 22029e3: an update meets 500s to its writes (no
// one else writes) until it gives up (it used to give up after MaxRounds,
// leaving a contention wait of 1 s for a next round that never came, on a
// queue kept as a cache; now the same request is sent three times, then
// the update is ambiguous). A later update of the key, with the outage
// over, must not pay any wait: it has nothing to wait for.
func TestAttack2StaleWaitAfterGivingUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork())
		bg := context.Background()
		bucket, key := "stale", "k"
		s3test.CreateBucket(t, srv.Client(), bucket)
		_, err := retry.Update(bg, srv.Client(), bucket, key, retry.Incr)
		require.NoError(t, err)
		var retries int
		u := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
			o.MaxRounds = 2
			o.Contention = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Second) }
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry {
					retries++
				}
			}
		})
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Status: 500, Code: "InternalError", Times: 3})
		_, err = u.Update(bg, bucket, key, retry.Incr)
		require.ErrorIs(t, err, retry.ErrAmbiguousWrite, "three sends answered 500: any might land yet")
		assert.Equal(t, "1", get(t, srv.Client(), bucket, key), "none did")
		t.Logf("gave up: %v; Retry events: %d", err, retries)
		start := time.Now()
		_, err = u.Update(bg, bucket, key, retry.Incr)
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), time.Since(start), "a fresh update after the outage waits for nothing")
		assert.Equal(t, 0, retries, "no round lost a race")
		assert.Equal(t, "2", get(t, srv.Client(), bucket, key))
	})
}
