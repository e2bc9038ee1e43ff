//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// A writer in another process commits back to back while ours wait for
// the key (their writes lost twice, so they watch). Once the busy writer
// stops, each waiter must take the key within a few of that writer's
// intervals after the last write it saw, not a whole contention wait
// later: with 16 writers on one key, every hand-over cost a full wait
// (median 63 ms on versitygw, BenchmarkContendedUpdate). The busy writer
// stops at a different moment of the waits in each run; time is virtual,
// 2 ms per answer. The key's idle time is the run's time less 2 ms per
// commit and per first read. With 8 waiters it was 345 to 422 ms per run
// on average (three runs of this test) before the short confirming read,
// and is 107 to 144 ms with it (five runs).
func TestWatchersTakeTheKeySoonAfterTheBusyWriterStops(t *testing.T) {
	const waiters = 8
	var idle time.Duration
	runs := 0
	for streak := 200; streak < 300; streak += 7 {
		synctest.Test(t, func(t *testing.T) {
			const answer = 2 * time.Millisecond
			srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(),
				conflicttest.WithFaults(conflicttest.Fault{Latency: answer}))
			ctx := context.Background()
			bucket, key := "handoff", "counter"
			_, err := srv.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
			require.NoError(t, err)

			start := time.Now()
			busy := retry.NewUpdater(srv.Client())
			started := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range streak {
					_, err := busy.Update(ctx, bucket, key, retry.Incr)
					assert.NoError(t, err)
					if i == 2 {
						close(started)
					}
				}
			})
			<-started
			for range waiters {
				wg.Go(func() {
					c, err := retry.NewUpdater(srv.Client()).Update(ctx, bucket, key, retry.Incr)
					assert.NoError(t, err)
					assert.True(t, c.Changed)
				})
			}
			wg.Wait()
			took := time.Since(start)
			assert.Equal(t, fmt.Sprint(streak+waiters), get(t, srv.Client(), bucket, key))
			work := time.Duration(streak+waiters+1+waiters) * answer
			idle += took - work
			runs++
		})
	}
	mean := idle / time.Duration(runs)
	t.Logf("the key stood idle %v per run on average, over %d runs", mean, runs)
	assert.Less(t, mean, 2*retry.DefaultContentionMax,
		"the waiters took the key a whole contention wait after the busy writer stopped")
}
