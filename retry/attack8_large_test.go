//go:build go1.25

package retry_test

import (
	"bytes"
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

// incrLarge increments the counter in the first line of an object padded
// to 100 KiB, larger than the Updater caches (64 KiB): every update reads
// it afresh.
func incrLarge(cur []byte, _ bool) ([]byte, error) {
	line, _, _ := bytes.Cut(cur, []byte("\n"))
	n, _ := strconv.Atoi(string(line))
	out := append([]byte(strconv.Itoa(n+1)), '\n')
	return append(out, bytes.Repeat([]byte{'.'}, 100<<10)...), nil
}

// Writers in four processes that always have more to write take turns on
// an object larger than the Updater caches (each update reads it, and a
// waiter probes it with HeadObject), as on a small one. Time is virtual,
// 2 ms per answer.
func TestAttack8AlwaysBusyWritersTakeTurnsOnALargeObject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writers, run = 4, 12 * time.Second
		bucket, key := "fair", "large"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var total int
		var slowest [writers]time.Duration
		var made [writers]int
		start := time.Now()
		for i := range writers {
			u := retry.NewUpdater(srv.Client())
			wg.Go(func() {
				for time.Since(start) < run {
					began := time.Now()
					_, err := u.Update(context.Background(), bucket, key, incrLarge)
					if !assert.NoError(t, err, "writer %d after %v", i, time.Since(began)) {
						return
					}
					slowest[i] = max(slowest[i], time.Since(began))
					made[i]++
					mu.Lock()
					total++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		line, _, _ := bytes.Cut([]byte(get(t, srv.Client(), bucket, key)), []byte("\n"))
		require.Equal(t, strconv.Itoa(total), string(line), "every update once")
		for i := range writers {
			assert.Less(t, slowest[i], retry.DefaultYieldAfter+time.Second, "writer %d", i)
		}
		t.Logf("updates per writer %v, slowest %v", made, slowest)
	})
}
