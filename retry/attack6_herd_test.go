//go:build go1.25

package retry_test

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/retry"
)

// Attack on a9cd94d (four lost takes a round, after doubling waits): 64
// writers, each its own Updater and client, wait for a key that a busy
// writer holds for 300 updates, then all take it at about the same
// moment. Every update lands exactly once and none gives up. Time is
// virtual, 2 ms per answer; three runs: the last waiter done 265 to 312
// ms after the busy writer stopped, 4.9 to 6.0 writes per waiter (at
// 8dabe94: 4.5 to 7.2 writes, 89 to 282 ms; 64 takes need 256 ms of requests).
func TestAttack6HerdOfSeparateWaitersAllLand(t *testing.T) {
	const waiters, streak = 64, 300
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "herd", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		busy := retry.NewUpdater(srv.Client())
		var wg sync.WaitGroup
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(i int) bool { return i < streak }, nil)
		waitersIncrement(t, &wg, srv, bucket, key, waiters)
		wg.Wait()
		assert.Equal(t, fmt.Sprint(streak+waiters), get(t, srv.Client(), bucket, key), "every update once")
	})
}
