//go:build go1.25

package retry_test

import (
	"context"
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

// A writer updates a key once every 100 ms; another process makes two
// quick updates of it now and then (here before every 5th of the first
// writer's), up to 100 ms before the first writer's next update. That
// update's write, made from the content the first writer remembers,
// loses; the read after the wait finds two writes by one writer since its
// own last write. They are old: that writer stopped, and the update must
// write on that read, as before 43d10a2, not take it for a writer that
// goes on and wait a whole contention wait more (which its losses have
// grown to 100 ms). Time is virtual, 2 ms per answer. Before 43d10a2 and
// now: one contention wait per such update, 57 requests for the 40
// updates, the 8 updates behind the pairs 455-556 ms in all (6 runs); at
// 43d10a2: two waits each, 73 requests, 1.28-1.40 s (3 runs).
func TestAttack9OldWritesAreNoStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "handoff", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		var reqs atomic.Int64
		var waits atomic.Int64
		u := retry.NewUpdater(srv.Client(countRequests(&reqs)), countRetries(&waits))
		other := retry.NewUpdater(srv.Client())
		var slow time.Duration
		for i := range 40 {
			if i%5 == 4 {
				for range 2 {
					_, err := other.Update(ctx, bucket, key, retry.Incr)
					require.NoError(t, err)
				}
			}
			time.Sleep(100 * time.Millisecond)
			began := time.Now()
			_, err := u.Update(ctx, bucket, key, retry.Incr)
			require.NoError(t, err)
			if i%5 == 4 {
				slow += time.Since(began)
			}
		}
		assert.Equal(t, "56", get(t, srv.Client(), bucket, key), "every update once")
		assert.LessOrEqual(t, waits.Load(), int64(8), "contention waits: one per update behind a pair")
		assert.LessOrEqual(t, reqs.Load(), int64(57), "requests for 40 updates")
		t.Logf("the 8 updates after the other writer's pairs took %v in all; %d requests for 40 updates", slow, reqs.Load())
	})
}

// countRequests adds every request the client sends to n.
func countRequests(n *atomic.Int64) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return next.Do(r)
		})
	}
}
