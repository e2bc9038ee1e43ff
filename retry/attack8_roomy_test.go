//go:build go1.25

package retry_test

import (
	"context"
	"strconv"
	"strings"
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

// Writers in four processes that always have more to write take turns on
// an object whose own user metadata takes 1500 of S3's 2 KB: the token,
// and as much lineage as fits, leave the rest, and the yield's mark must
// still be written (it takes lineage's room), or the first waiter to get
// in holds the key next and the others wait out MaxRounds. Before: no
// write carried the mark (0 of the reads every 20 ms found it), two
// updates gave up with ErrMaxAttempts, the slowest success took 10.05 s;
// now 38 marked reads, none gave up, slowest 5.35 s. Time is virtual, 2
// ms per answer.
func TestAttack8AlwaysBusyWritersTakeTurnsWithLargeMetadata(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writers, run = 4, 20 * time.Second
		bucket, key := "fair", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		pad := map[string]string{"pad": strings.Repeat("p", 1500)}
		_, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key,
			Body: strings.NewReader("0"), Metadata: pad})
		require.NoError(t, err)
		var marks atomic.Int32
		var wg sync.WaitGroup
		start := time.Now()
		// Whether the yields were marked.
		wg.Go(func() {
			for time.Since(start) < run {
				out, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
				if err == nil && out.Metadata[retry.YieldMetadataKey] != "" {
					marks.Add(1)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
		r := takeTurns(t, srv, bucket, key, writers, run, retry.Incr)
		wg.Wait()
		out, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		require.NoError(t, err)
		assert.Equal(t, pad["pad"], out.Metadata["pad"], "the object's own metadata kept")
		assert.Equal(t, strconv.Itoa(r.total), get(t, srv.Client(), bucket, key), "every update once")
		for i := range writers {
			assert.Zero(t, r.gaveUp[i], "writer %d: updates that gave up", i)
			assert.Less(t, r.slowest[i], retry.DefaultYieldAfter+time.Second, "writer %d", i)
		}
		t.Logf("slowest %v, gave up %v, marked reads %d", r.slowest, r.gaveUp, marks.Load())
	})
}
