//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// Attack on a0547b2/f03f8f9: an update whose every write loses to another
// writer's write, slipped in just before it (writes far apart, so each is
// a "take" the waiter makes at once), gives up with ErrMaxAttempts after
// DefaultMaxRounds (100) rounds, documented as "about 10 to 15 s with the
// default contention backoff" (UpdateOptions.MaxRounds). Time is virtual,
// 2 ms per answer. At 60a4c26: 10.8 to 11.5 s, 100 writes (three runs).
// With each lost take counted as a round though it waits only 6 ms: 4.3
// to 4.5 s, 100 writes. Now a lost quick take is no round (one round per
// contention wait, as before): 12.8 to 13.9 s, 296 writes (at most three
// per round). With four lost takes a round, after doubling short waits:
// about 22 s, 492 writes (at most five per round; documented "up to about
// 25 s").
func TestAttack3GiveUpNotMuchSooner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "giveup", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		other := retry.NewUpdater(srv.Client())
		var slipped atomic.Int64 // one per write the waiter sent
		waiter := retry.NewUpdater(srv.Client(slipBeforeWrites(t, other, bucket, key, &slipped, 0)))
		start := time.Now()
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		took := time.Since(start)
		require.ErrorIs(t, err, retry.ErrMaxAttempts)
		assert.Equal(t, fmt.Sprint(slipped.Load()), get(t, srv.Client(), bucket, key), "the waiter's update is not there")
		t.Logf("gave up after %v and %d writes", took, slipped.Load())
		assert.GreaterOrEqual(t, took, 7*time.Second, "gave up much sooner than the documented 10 to 25 s")
		assert.LessOrEqual(t, took, 30*time.Second, "gave up much later than the documented 10 to 25 s")
	})
}

// slipBeforeWrites is a client option that makes other increment key
// before each PutObject the client sends (counted in slipped), so that
// every write of the client loses, then delays every request of the client
// by rt (virtual time under synctest).
func slipBeforeWrites(t *testing.T, other *retry.Updater, bucket, key string, slipped *atomic.Int64, rt time.Duration) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut {
				_, err := other.Update(context.Background(), bucket, key, retry.Incr)
				require.NoError(t, err)
				slipped.Add(1)
			}
			time.Sleep(rt)
			return next.Do(r)
		})
	}
}
