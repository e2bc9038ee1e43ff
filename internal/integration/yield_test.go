package integration

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
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

// Writers that take the key from one another, each for less than
// YieldAfter (here six processes one after the other, 700 ms each, with
// YieldAfter 1 s), pass on how long it has gone without a yield
// (retry.HeldMetadataKey): the key yields after 1 s whoever holds it, and
// an update of another process waiting all along gets in then, not when
// the chain ends as when each writer's own hold counted (before: 4.2, 0.03,
// 1.7 and 3.6 s in four runs, the waiter winning a hand-over now and then;
// after: 0.01 to 1.03 s in seven).
func TestKeyYieldsWhileItsWritersTakeTurns(t *testing.T) {
	versitygw.Need(t, vgw)
	const writers, turn, after = 6, 700 * time.Millisecond, time.Second
	setup := vgw.Client(versitygw.Root)
	bucket := s3test.NewBucket(t, setup, false)
	key := "chain"
	opt := func(o *retry.UpdateOptions) { o.YieldAfter = after }
	var wg sync.WaitGroup
	made := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range writers {
			u := retry.NewUpdater(vgw.Client(versitygw.Root), opt)
			for end := time.Now().Add(turn); time.Now().Before(end); made++ {
				if _, err := u.Update(context.Background(), bucket, key, increment); !assert.NoError(t, err) {
					return
				}
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	// Its first write is answered 412, as if the first writer had won, so
	// that it waits (a write made on the same state at the same time as
	// one of the busy writer's wins now and then).
	waiter := vgw.Client(versitygw.Root, func(o *s3.Options) {
		o.HTTPClient = conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject",
			Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Times: 1}).Client(o.HTTPClient)
	})
	_, err := retry.NewUpdater(waiter, opt).Update(context.Background(), bucket, key, increment)
	took := time.Since(start)
	wg.Wait()
	assert.NoError(t, err)
	assert.Equal(t, made+1, counter(t, setup, bucket, key), "every update once")
	// About one YieldAfter, with room for a loaded machine: well before
	// the chain's end.
	assert.Less(t, took, 2*after+after/2, "the waiting update waited for the chain of writers")
	t.Logf("the waiting update got in after %v; the chain made %d updates", took, made)
}
