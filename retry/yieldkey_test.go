//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// Writers that take a key from one another each hold it for less than
// YieldAfter: here eight processes, one after the other, each writing for
// 700 ms, the next one starting as the one before stops. The yield's
// clock was each writer's own, so none yielded, and an update of another
// process waiting all along got in only when the chain ended (5.6 s here;
// on versitygw, 4 processes writing one key without pause, an update gave
// up after 10 s, MaxRounds, in 1 of 3 runs of 4 × 3000). The key's time
// without a yield now goes from writer to writer (HeldMetadataKey), so the
// key yields every YieldAfter (1 s here) whoever holds it, and the waiting
// update gets in soon after. Time is virtual, 2 ms per answer.
func TestKeyYieldsWhenItsWritersTakeTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			writers = 8
			turn    = 700 * time.Millisecond
			after   = time.Second
		)
		ctx := context.Background()
		bucket, key := "turns", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		opt := func(o *retry.UpdateOptions) { o.YieldAfter = after }
		var wg sync.WaitGroup
		n := 0
		wg.Go(func() {
			for range writers {
				u := retry.NewUpdater(srv.Client(), opt)
				for end := time.Now().Add(turn); time.Now().Before(end); n++ {
					_, err := u.Update(ctx, bucket, key, retry.Incr)
					require.NoError(t, err)
				}
			}
		})
		time.Sleep(50 * time.Millisecond)
		start := time.Now()
		_, err := retry.NewUpdater(srv.Client(), opt).Update(ctx, bucket, key, retry.Incr)
		require.NoError(t, err)
		took := time.Since(start)
		wg.Wait()
		assert.Equal(t, fmt.Sprint(n+1), get(t, srv.Client(), bucket, key), "every update once")
		assert.Less(t, took, after+500*time.Millisecond, "the waiting update waited for the chain of writers")
		t.Logf("the waiting update got in after %v; the chain made %d updates", took, n)
	})
}

// The key's time goes on only from a writer that held the key until the
// new one took it: a writer that pauses between bursts (its own writes)
// starts afresh after each pause, and one that comes to a key whose last
// writer stopped long ago does not take on that writer's time. Neither
// yields while it writes for less than YieldAfter (1 s here). Time is
// virtual, 2 ms per answer.
func TestKeyTimeIsNotTakenFromAStoppedWriter(t *testing.T) {
	burst := func(u *retry.Updater, bucket, key string, d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
			_, err := u.Update(context.Background(), bucket, key, retry.Incr)
			require.NoError(t, err)
		}
	}
	for _, c := range []struct {
		name string
		run  func(srvClient func() *retry.Updater, bucket, key string)
	}{
		{"own bursts", func(updater func() *retry.Updater, bucket, key string) {
			u := updater()
			for range 5 {
				burst(u, bucket, key, 700*time.Millisecond)
				time.Sleep(300 * time.Millisecond)
			}
		}},
		{"after a stopped writer", func(updater func() *retry.Updater, bucket, key string) {
			burst(updater(), bucket, key, 900*time.Millisecond)
			time.Sleep(10 * time.Second)
			burst(updater(), bucket, key, 500*time.Millisecond)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bucket, key := "bursts", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				var yields atomic.Int32
				c.run(func() *retry.Updater {
					return retry.NewUpdater(srv.Client(), countYields(&yields), func(o *retry.UpdateOptions) { o.YieldAfter = time.Second })
				}, bucket, key)
				assert.Zero(t, yields.Load(), "yields")
			})
		})
	}
}
