//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// An UpdateOptions.Contention that returns nil (a factory whose
// configuration path forgot a case) made the Updater panic at its first
// lost race (nil BackOff's NextBackOff): it now waits as
// DefaultContentionBackoff does. Time is virtual, 2 ms per answer; the
// update loses its first race (injected) to a writer that goes on, and
// commits once that writer stops.
func TestContentionThatReturnsNilWaitsByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "contention", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		var stop atomic.Bool
		var wg sync.WaitGroup
		var n int
		busyWriter(t, &wg, retry.NewUpdater(srv.Client()), bucket, key, retry.Incr,
			func(i int) bool { return i < 30 && !stop.Load() }, func(i int) { n = i })
		u := retry.NewUpdater(srv.Client(loseOnce), func(o *retry.UpdateOptions) {
			o.Contention = func() backoff.BackOff { return nil }
		})
		c, err := u.Update(ctx, bucket, key, retry.Incr)
		require.NoError(t, err)
		assert.True(t, c.Changed)
		stop.Store(true)
		wg.Wait()
		assert.Equal(t, fmt.Sprint(n+1), get(t, srv.Client(), bucket, key), "every update once")
	})
}
