//go:build go1.25

package retry_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// One writer waits for a key another process keeps changing. When the busy
// writer stops, the waiter notices at its next probe, at most one full
// contention wait later (150 ms with the default's jitter), and takes the
// key a few of the busy writer's intervals after that, not a whole wait
// more. Measured per run, in virtual time (2 ms per answer): from the busy
// writer's last commit to the waiter's commit, less the waiter's own read
// and write. Before the confirming read: mean 159 ms, worst 228 ms; with
// it, mean 80 ms, worst 145 ms.
func TestSingleWatcherTakesTheKeyAtItsNextProbe(t *testing.T) {
	const answer = 2 * time.Millisecond
	var worst time.Duration
	var total time.Duration
	runs := 0
	for streak := 200; streak < 300; streak += 7 {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			bucket, key := "handoff", "counter"
			srv := slowServer(t, answer, bucket)
			busy := retry.NewUpdater(srv.Client())
			waiter := retry.NewUpdater(srv.Client(loseTwice))
			var last time.Time
			var wg sync.WaitGroup
			busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(i int) bool { return i < streak },
				func(int) { last = time.Now() })
			_, err := waiter.Update(ctx, bucket, key, retry.Incr)
			require.NoError(t, err)
			took := time.Now()
			wg.Wait()
			if !took.After(last) { // the waiter got in between the busy writer's commits
				return
			}
			d := took.Sub(last) - 2*answer // its read and its write
			worst = max(worst, d)
			total += d
			runs++
			assert.Equal(t, strconv.Itoa(streak+1), get(t, srv.Client(), bucket, key), "none lost")
		})
	}
	mean := total / time.Duration(runs)
	t.Logf("hand-over: mean %v, worst %v over %d runs", mean, worst, runs)
	assert.Less(t, worst, retry.DefaultContentionMax*3/2+30*time.Millisecond,
		"the key stood idle more than one full contention wait after its writer stopped")
	assert.Less(t, mean, retry.DefaultContentionMax, "on average, a whole contention wait more than the next probe")
}
