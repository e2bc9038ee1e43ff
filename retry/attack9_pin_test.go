//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// 64 goroutines over 4 Updaters (16 each, combining) append their ids to
// one key, while a fifth Updater commits back to back in bursts (so that
// losers of a first race meet a writer that goes on, and one that stops),
// 5% of the PutObjects lose their answers and 5% meet 409
// ConditionalRequestConflict: every success is in the object once, no id
// twice, and no update fails other than ErrAmbiguousWrite (none gives up:
// ErrMaxAttempts). On a small object, one larger than an Updater caches
// (70 KiB), and one whose own user metadata takes 1800 of S3's 2 KB (the
// lineage holds about 10 tokens). Time is virtual.
func TestAttack9StreamingWithFaultsLosesNothing(t *testing.T) {
	for _, c := range []struct {
		name string
		body int
		meta int
	}{{"small", 0, 0}, {"large", 70 << 10, 0}, {"full metadata", 0, 1800}} {
		t.Run(c.name, func(t *testing.T) { streamingWithFaults(t, c.body, c.meta) })
	}
}

// streamingWithFaults runs TestAttack9StreamingWithFaultsLosesNothing on an
// object that starts with body bytes and a comma, and has user metadata
// of meta bytes.
func streamingWithFaults(t *testing.T, body, meta int) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "pin", "log"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		pad := strings.Repeat("p", body) + ","
		_, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(pad),
			Metadata: map[string]string{"pad": strings.Repeat("m", meta)}})
		require.NoError(t, err)
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.05})
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Code: "ConditionalRequestConflict", Probability: 0.05})
		var ups [4]*retry.Updater
		for i := range ups {
			ups[i] = retry.NewUpdater(srv.Client())
		}
		busy := retry.NewUpdater(srv.Client())
		var mu sync.Mutex
		ok, maybe := map[string]bool{}, map[string]bool{}
		record := func(id string, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok[id] = true
			case errors.Is(err, retry.ErrAmbiguousWrite):
				maybe[id] = true
			default:
				t.Errorf("update %s failed: %v", id, err)
			}
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			for b := range 10 { // bursts of 1 to 4 updates, 30 ms apart
				for i := range 1 + b%4 {
					id := fmt.Sprintf("b%d.%d", b, i)
					_, err := busy.Update(ctx, bucket, key, appendID(id))
					record(id, err)
				}
				time.Sleep(30 * time.Millisecond)
			}
		})
		for g := range 64 {
			wg.Go(func() {
				for i := range 8 {
					id := fmt.Sprintf("%d.%d", g, i)
					_, err := ups[g%4].Update(ctx, bucket, key, appendID(id))
					record(id, err)
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		got := get(t, srv.Client(), bucket, key)
		require.True(t, strings.HasPrefix(got, pad), "the object's first content kept")
		for _, id := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, pad), ","), ",") {
			seen[id]++
		}
		for id, n := range seen {
			require.Equal(t, 1, n, "%s applied %d times", id, n)
			require.True(t, ok[id] || maybe[id], "%s in the object, never committed", id)
		}
		for id := range ok {
			assert.Equal(t, 1, seen[id], "success %s missing", id)
		}
		t.Logf("ok=%d ambiguous=%d in object=%d", len(ok), len(maybe), len(seen))
	})
}

// A waiter whose first write loses to a writer that makes 2, 3 or 4 quick
// updates and then stops commits within two contention waits (one after
// the lost race, one more at most when its read takes the writer for one
// that goes on) and a short confirming wait, with at most two writes: 20
// runs each, time virtual, 2 ms per answer. From the lost write's answer
// to the commit, the slowest of the 20 runs: 34.5-34.7 ms per burst
// length; 11.1-11.5 ms at 12f3887, which wrote on its read after the
// first wait.
func TestAttack9WaiterGetsInSoonAfterAShortBurst(t *testing.T) {
	for burst := 2; burst <= 4; burst++ {
		var slowest time.Duration
		for range 20 {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				bucket, key := "pin", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				other := retry.NewUpdater(srv.Client())
				_, err := other.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err)
				var puts, waits atomic.Int64
				var lostAt time.Time
				waiter := retry.NewUpdater(srv.Client(burstBeforeFirstWrite(t, other, bucket, key, burst, &puts, &lostAt)),
					countRetries(&waits))
				_, err = waiter.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err)
				slowest = max(slowest, time.Since(lostAt))
				assert.Equal(t, fmt.Sprint(burst+2), get(t, srv.Client(), bucket, key), "every update once")
				assert.LessOrEqual(t, waits.Load(), int64(2), "contention waits after a burst of %d", burst)
				assert.LessOrEqual(t, puts.Load(), int64(2), "writes after a burst of %d", burst)
			})
		}
		// The first two waits of DefaultContentionBackoff are at most 7.5
		// and 15 ms, a confirming wait three round trips (6 ms).
		assert.Less(t, slowest, retry.DefaultContentionMax/2, "from the lost write to the commit, after a burst of %d", burst)
		t.Logf("after a burst of %d: the slowest waiter committed %v after its write lost", burst, slowest)
	}
}

// Updates of other writers that arrive while a writer holds the key
// committing back to back (at 1, 2.5 and 4 s of its hold) lose their
// first race (answered 412 in front of the server), find that writer
// going on and watch it: the yield still lets each in at the writer's
// first yield, within YieldAfter (5 s) and YieldPause of its start, none
// gives up (10 runs; 5 at 12f3887 too). Without the injected loss a
// waiter's first write may win; before bd64023 the busy writer's hold
// then started afresh, and the others got in at its next yield (two
// waiters at 9.1 s in 1 run of 5 after 43d10a2; at 6.0, 7.6 and 9.1 s in 3
// of 3 runs at 12f3887, whose second writes could win too); since, all
// three before 5.2 s in 5 runs of 5. Time is virtual, 2 ms per answer.
func TestAttack9LateWaitersGetInAtTheYield(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "pin", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		start := time.Now()
		var stop atomic.Bool
		var wg sync.WaitGroup
		var n atomic.Int64
		yields := yieldingBusy(t, &wg, srv.Client(), bucket, key, &stop, &n)
		var all sync.WaitGroup
		var waits atomic.Int64
		for _, at := range []time.Duration{time.Second, 2500 * time.Millisecond, 4 * time.Second} {
			all.Go(func() {
				time.Sleep(at - time.Since(start))
				_, err := retry.NewUpdater(srv.Client(loseOnce), countRetries(&waits)).Update(context.Background(), bucket, key, retry.Incr)
				require.NoError(t, err, "the waiter that came at %v", at)
				assert.Less(t, time.Since(start), retry.DefaultYieldAfter+retry.YieldPause, "the waiter that came at %v", at)
			})
		}
		all.Wait()
		stop.Store(true)
		wg.Wait()
		assert.Equal(t, int32(1), yields.Load(), "the busy writer's yields")
		assert.Equal(t, fmt.Sprint(n.Load()+3), get(t, srv.Client(), bucket, key), "every update once")
		t.Logf("the busy writer made %d updates; the waiters waited %d contention waits in all", n.Load(), waits.Load())
	})
}
