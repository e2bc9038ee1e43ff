//go:build go1.25

package retry_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// turns is what each of the always-busy writers of takeTurns did.
type turns struct {
	made, gaveUp []int           // updates committed; updates that failed with ErrMaxAttempts
	slowest      []time.Duration // the longest a committed update took
	total        int             // updates committed, all writers
}

// takeTurns makes writers Updaters (as separate processes would) apply fn
// to key again and again, each from its own goroutine, for run (virtual
// time, inside a synctest bubble). Any error other than ErrMaxAttempts
// fails the test.
func takeTurns(t *testing.T, srv *conflicttest.Server, bucket, key string, writers int, run time.Duration, fn retry.UpdateFunc) turns {
	t.Helper()
	r := turns{made: make([]int, writers), gaveUp: make([]int, writers), slowest: make([]time.Duration, writers)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range writers {
		u := retry.NewUpdater(srv.Client())
		wg.Go(func() {
			for time.Since(start) < run {
				began := time.Now()
				_, err := u.Update(context.Background(), bucket, key, fn)
				if err != nil && !assert.ErrorIs(t, err, retry.ErrMaxAttempts, "writer %d", i) {
					return
				}
				mu.Lock()
				if err == nil {
					r.made[i]++
					r.total++
					r.slowest[i] = max(r.slowest[i], time.Since(began))
				} else {
					r.gaveUp[i]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return r
}
