package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/retry"
)

// Four processes that each always have more to write take turns on one
// key: each Updater yields it after YieldAfter (here 1 s), every update
// waiting then gets in, and the key passes on rather than back. Without
// the yield the first writer to commit held the key for the whole run and
// the others' updates waited until it ended (or failed with
// ErrMaxAttempts after MaxRounds, about 10 s, in longer runs).
func TestAlwaysBusyWritersTakeTurns(t *testing.T) {
	versitygw.Need(t, vgw)
	const writers, turn, run = 4, time.Second, 8 * time.Second
	setup := vgw.Client(versitygw.Root)
	bucket := s3test.NewBucket(t, setup, false)
	key := "turns"
	var wg sync.WaitGroup
	var slowest [writers]time.Duration
	var made [writers]int
	start := time.Now()
	for i := range writers {
		u := retry.NewUpdater(vgw.Client(versitygw.Root), func(o *retry.UpdateOptions) { o.YieldAfter = turn })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < run {
				began := time.Now()
				_, err := u.Update(context.Background(), bucket, key, increment)
				if !assert.NoError(t, err, "writer %d after %v", i, time.Since(began)) {
					return
				}
				slowest[i] = max(slowest[i], time.Since(began))
				made[i]++
			}
		}()
	}
	wg.Wait()
	total, turns := 0, 0
	for i := range writers {
		total += made[i]
		if made[i] > 50 {
			turns++
		}
	}
	assert.Equal(t, total, counter(t, setup, bucket, key), "every update once")
	// At most about one turn's wait each, with room for a loaded machine;
	// and the key passed on at least once.
	for i := range writers {
		assert.Less(t, slowest[i], 5*turn, "writer %d", i)
	}
	assert.GreaterOrEqual(t, turns, 2, "writers that held the key for a turn")
	t.Logf("updates per writer %v, slowest %v", made, slowest)
}
