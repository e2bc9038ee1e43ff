//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// chainWait runs a chain of writers processes, one after the other, each
// writing key for turn with the default yield, the next one starting as
// the one before stops, with opts for each (i: its place in the chain);
// an update of another process, waiting from 50 ms in, reports how long
// it took and its error.
func chainWait(t *testing.T, writers int, turn time.Duration, md map[string]string,
	opts func(i int) func(*retry.UpdateOptions)) (time.Duration, error, int) {
	t.Helper()
	ctx := context.Background()
	bucket, key := "chain", "counter"
	srv := slowServer(t, 2*time.Millisecond, bucket)
	_, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key,
		Body: strings.NewReader("0"), Metadata: md})
	require.NoError(t, err)
	var wg sync.WaitGroup
	n := 0
	wg.Go(func() {
		for i := range writers {
			u := retry.NewUpdater(srv.Client(), opts(i))
			for end := time.Now().Add(turn); time.Now().Before(end); n++ {
				_, err := u.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err)
			}
		}
	})
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	_, err = retry.NewUpdater(srv.Client(), opts(writers)).Update(ctx, bucket, key, retry.Incr)
	took := time.Since(start)
	wg.Wait()
	want := n
	if err == nil {
		want++
	}
	assert.Equal(t, fmt.Sprint(want), get(t, srv.Client(), bucket, key), "every update once")
	return took, err, n
}

// skewed returns options whose clock is off by d.
func skewed(d time.Duration) func(*retry.UpdateOptions) {
	return func(o *retry.UpdateOptions) { o.Options.Now = func() time.Time { return time.Now().Add(d) } }
}

// Attack on bd64023 (the key's time without a yield goes from writer to
// writer, HeldMetadataKey): a new writer takes on the time of the write
// it follows only when that write is less than YieldPause (200 ms) old by
// its own clock (or it lost a race to it). The clocks of processes on two
// machines are compared as they are: when they are 1 s apart (or 1 h),
// every handover in a chain of writers that each hold the key 700 ms
// looks like a key whose last writer stopped long ago, the time starts
// afresh, and no writer yields. An update of another process waiting from
// 50 ms in gave up (ErrMaxAttempts, MaxRounds) after 9.67 s (1 h apart)
// and 9.77 s (1 s apart) in a chain of 16; with clocks that agree, it
// got in at the first yield, after 5.04 s. Time is virtual, 2 ms per
// answer.
func TestAttack10ChainOfWritersWithSkewedClocksYields(t *testing.T) {
	t.Skip("open: the age of the write a new writer follows is read against a clock it cannot compare (no read of that writer before); see the report of attack10")
	for _, skew := range []time.Duration{time.Second, time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				took, err, n := chainWait(t, 16, 700*time.Millisecond, nil,
					func(i int) func(*retry.UpdateOptions) { return skewed(time.Duration(i%2) * skew) })
				t.Logf("waiting update: %v after %v; chain made %d", err, took, n)
				assert.False(t, errors.Is(err, retry.ErrMaxAttempts), "the waiting update gave up")
				assert.Less(t, took, retry.DefaultYieldAfter+time.Second)
			})
		})
	}
}

// The same chain of 16 writers over an object whose own user metadata
// takes 1500 of S3's 2 KB. The lineage took all the room after the
// token, leaving none for the write count, its time and HeldMetadataKey,
// so no writer took on the time of the one before: the waiting update
// gave up (ErrMaxAttempts after 10.4-10.5 s) in 4 of 6 runs (the other
// 2 got in after 4 ms). The lineage now leaves them room beyond its first
// 8 tokens: it got in after 4 ms to 5.08 s in 6 of 6. Four runs here.
func TestAttack10ChainOfWritersWithFullMetadata(t *testing.T) {
	for run := range 4 {
		synctest.Test(t, func(t *testing.T) {
			took, err, n := chainWait(t, 16, 700*time.Millisecond, map[string]string{"pad": strings.Repeat("p", 1500)},
				func(int) func(*retry.UpdateOptions) { return func(*retry.UpdateOptions) {} })
			t.Logf("run %d: waiting update: %v after %v; chain made %d", run, err, took, n)
			require.NoError(t, err)
			assert.Less(t, took, retry.DefaultYieldAfter+time.Second)
		})
	}
}
