//go:build go1.25

package retry_test

import (
	"context"
	"strconv"
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

// A writer in another process that always has more to write (a counter
// bumped by every request a service serves) never stops by itself: an
// update that watched it, deferring to it, waited out MaxRounds and failed
// with ErrMaxAttempts after about 10 s (versitygw, 4 processes each making
// 3000 updates: one failed so). The busy Updater leaves the key alone for
// YieldPause once it has held it for YieldAfter, and the waiter gets in
// then. Time is virtual, 2 ms per answer.
func TestWaiterGetsInWhenTheBusyWriterYields(t *testing.T) {
	for _, waiters := range []int{1, 3} {
		t.Run(strconv.Itoa(waiters), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const answer = 2 * time.Millisecond
				bucket, key := "fair", "counter"
				srv := slowServer(t, answer, bucket)
				var stop atomic.Bool
				var wg sync.WaitGroup
				var n atomic.Int64
				yields := yieldingBusy(t, &wg, srv.Client(), bucket, key, &stop, &n)
				var took [3]time.Duration
				var errs [3]error
				var all sync.WaitGroup
				for i := range waiters {
					all.Go(func() {
						start := time.Now()
						_, errs[i] = retry.NewUpdater(srv.Client(loseTwice)).Update(context.Background(), bucket, key, retry.Incr)
						took[i] = time.Since(start)
					})
				}
				all.Wait()
				stop.Store(true)
				wg.Wait()
				for i := range waiters {
					require.NoError(t, errs[i], "waiter %d gave up after %v", i, took[i])
					// It got in at the busy writer's first yield: within
					// YieldAfter and the pause of the writer's start.
					assert.Less(t, took[i], retry.DefaultYieldAfter+retry.YieldPause, "waiter %d", i)
				}
				assert.Equal(t, int32(1), yields.Load(), "the busy writer yields once per YieldAfter")
				assert.Equal(t, strconv.FormatInt(n.Load()+int64(waiters), 10), get(t, srv.Client(), bucket, key), "every update once")
				t.Logf("the waiters committed after %v, while the busy writer made %d updates", took[:waiters], n.Load())
			})
		})
	}
}

// With YieldAfter negative the busy writer never yields, and the waiter
// gives up with ErrMaxAttempts, as MaxRounds documents: the yield is what
// lets it in above.
func TestWaiterGivesUpWhenTheBusyWriterNeverYields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "fair", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		busy := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) { o.YieldAfter = -1 })
		var stop atomic.Bool
		var wg sync.WaitGroup
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(int) bool { return !stop.Load() }, nil)
		start := time.Now()
		_, err := retry.NewUpdater(srv.Client(loseTwice)).Update(context.Background(), bucket, key, retry.Incr)
		took := time.Since(start)
		stop.Store(true)
		wg.Wait()
		require.ErrorIs(t, err, retry.ErrMaxAttempts)
		assert.Greater(t, took, retry.DefaultYieldAfter+retry.YieldPause)
	})
}

// A lone writer yields once per YieldAfter of commits without a pause and
// loses nothing by it; one that pauses for YieldPause now and then never
// yields; a caller whose context ends during the pause gets its error at
// once and its update is not written.
func TestLoneWriterYields(t *testing.T) {
	type run struct {
		name   string
		gap    time.Duration // after every 100 updates
		yields int32
	}
	for _, r := range []run{{"without pause", 0, 2}, {"pausing", retry.YieldPause, 0}} {
		t.Run(r.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bucket, key := "fair", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				var yields atomic.Int32
				var pause time.Duration
				u := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
					o.OnEvent = func(e retry.Event) {
						if e.Action == retry.Yielded {
							yields.Add(1)
							pause = e.Delay
							assert.GreaterOrEqual(t, e.Elapsed, retry.DefaultYieldAfter)
						}
					}
				})
				start, n := time.Now(), 0
				for time.Since(start) < 2*retry.DefaultYieldAfter+time.Second {
					_, err := u.Update(context.Background(), bucket, key, retry.Incr)
					require.NoError(t, err)
					if n++; n%100 == 0 {
						time.Sleep(r.gap)
					}
				}
				assert.Equal(t, r.yields, yields.Load())
				if r.yields > 0 {
					assert.InDelta(t, retry.YieldPause, pause, float64(5*time.Millisecond), "the rest of the pause since the last commit")
				}
				assert.Equal(t, strconv.Itoa(n), get(t, srv.Client(), bucket, key), "every update once")
			})
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			bucket, key := "fair", "counter"
			srv := slowServer(t, 2*time.Millisecond, bucket)
			ctx, cancel := context.WithCancel(context.Background())
			u := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
				o.OnEvent = func(e retry.Event) {
					if e.Action == retry.Yielded {
						time.AfterFunc(e.Delay/2, cancel)
					}
				}
			})
			start, n := time.Now(), 0
			var err error
			for err == nil {
				_, err = u.Update(ctx, bucket, key, retry.Incr)
				if err == nil {
					n++
				}
			}
			require.ErrorIs(t, err, context.Canceled)
			assert.Less(t, time.Since(start), retry.DefaultYieldAfter+retry.YieldPause, "it stopped in the pause")
			assert.Equal(t, strconv.Itoa(n), get(t, srv.Client(), bucket, key), "the cancelled update is not written")
		})
	})
}

// Writers in four processes that each always have more to write take
// turns: each yields the key after YieldAfter, and every update waiting
// then gets in, the first of them leaving the key alone in turn
// (YieldMetadataKey). Without the mark, the first waiter to get in held
// the key next, and the others waited two or three turns and gave up
// (versitygw, 4 processes × 3000 updates: two failed after 10 s). Time is
// virtual, 2 ms per answer.
func TestAlwaysBusyWritersTakeTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writers, run = 4, 20 * time.Second
		bucket, key := "fair", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		r := takeTurns(t, srv, bucket, key, writers, run, retry.Incr)
		assert.Equal(t, strconv.Itoa(r.total), get(t, srv.Client(), bucket, key), "every update once")
		for i := range writers {
			assert.Zero(t, r.gaveUp[i], "writer %d: updates that gave up", i)
			// Each turn is YieldAfter: an update waits at most about one.
			assert.Less(t, r.slowest[i], retry.DefaultYieldAfter+time.Second, "writer %d", i)
		}
		// The key passes on at each yield: the writer that yielded does
		// not take it back first.
		var turns int
		for i := range writers {
			if r.made[i] > 1000 {
				turns++
			}
		}
		assert.GreaterOrEqual(t, turns, 2, "writers that held the key for a turn")
		t.Logf("updates per writer %v, slowest %v", r.made, r.slowest)
	})
}

// A mark left on the object by a writer that yielded and then stopped for
// good is not carried by an update that meets no other writer: it writes
// at once, and its next update too.
func TestStaleYieldMarkIsNotCarried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "fair", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		var yields atomic.Int32
		count := func(o *retry.UpdateOptions) {
			o.YieldAfter = 100 * time.Millisecond
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Yielded {
					yields.Add(1)
				}
			}
		}
		first := retry.NewUpdater(srv.Client(), count)
		n := 0
		for { // until first's write that yields: then it stops for good
			_, err := first.Update(context.Background(), bucket, key, retry.Incr)
			require.NoError(t, err)
			n++
			out, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
			require.NoError(t, err)
			if out.Metadata[retry.YieldMetadataKey] != "" {
				break
			}
			require.Less(t, n, 1000, "no write carried a yield")
		}
		time.Sleep(time.Minute)

		yields.Store(0)
		later := retry.NewUpdater(srv.Client(), count)
		start := time.Now()
		for range 2 {
			_, err := later.Update(context.Background(), bucket, key, retry.Incr)
			require.NoError(t, err)
		}
		assert.Less(t, time.Since(start), retry.YieldPause, "two updates without a pause")
		assert.Zero(t, yields.Load())
		assert.Equal(t, strconv.Itoa(n+2), get(t, srv.Client(), bucket, key))
	})
}

// countYields is an option that counts the Updater's Yielded events in n.
func countYields(n *atomic.Int32) func(*retry.UpdateOptions) {
	return func(o *retry.UpdateOptions) {
		o.OnEvent = func(e retry.Event) {
			if e.Action == retry.Yielded {
				n.Add(1)
			}
		}
	}
}

// yieldingBusy starts, in wg, a writer that increments key through an
// Updater of c with the default yield until stop, keeping the updates it
// made in n, and returns the count of its yields.
func yieldingBusy(t *testing.T, wg *sync.WaitGroup, c *s3.Client, bucket, key string, stop *atomic.Bool, n *atomic.Int64) *atomic.Int32 {
	t.Helper()
	yields := new(atomic.Int32)
	busy := retry.NewUpdater(c, countYields(yields))
	busyWriter(t, wg, busy, bucket, key, retry.Incr, func(i int) bool { n.Store(int64(i)); return !stop.Load() }, nil)
	return yields
}
