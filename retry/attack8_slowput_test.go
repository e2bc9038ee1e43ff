//go:build go1.25

package retry_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// slowPuts makes every PutObject of a client reach the server put later
// (virtual time): a writer whose uploads take that long.
func slowPuts(put time.Duration) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut {
				time.Sleep(put)
			}
			return next.Do(r)
		})
	}
}

// A writer that always has more to write, but whose every write takes
// longer than YieldPause to be answered (a slow upload: a large object, a
// far region), commits without ever pausing: its commits are more than
// YieldPause apart only because each takes that long. It must yield after
// YieldAfter like a fast one, or the update waiting for the key gives up
// after MaxRounds; and its pause must outlast a waiter's write that was
// on its way when the yield landed (and lost), or the waiter reads the
// mark too late and loses again. Before (8 runs each): with 250 and 400
// ms uploads the busy writer never yielded and the waiter gave up after
// 1m43s-1m46s (100 rounds); with 150 ms it missed the yield in some runs
// (16 s, 3 yields); counting the pause from the round's start alone, it
// missed yields at every upload time (10.9 s to 42.8 s). Now 5.08-5.56 s.
// Time is virtual.
func TestAttack8WriterWithSlowWritesYields(t *testing.T) {
	for _, put := range []time.Duration{150 * time.Millisecond, 250 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(put.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bucket, key := "fair", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				var stop atomic.Bool
				var wg sync.WaitGroup
				var n atomic.Int64
				yields := yieldingBusy(t, &wg, srv.Client(slowPuts(put)), bucket, key, &stop, &n)
				start := time.Now()
				_, err := retry.NewUpdater(srv.Client(loseTwice, slowPuts(put))).Update(context.Background(), bucket, key, retry.Incr)
				took := time.Since(start)
				stop.Store(true)
				wg.Wait()
				require.NoError(t, err, "the waiter gave up after %v; the busy writer yielded %d times", took, yields.Load())
				assert.Less(t, took, retry.DefaultYieldAfter+time.Second)
				assert.Equal(t, strconv.FormatInt(n.Load()+1, 10), get(t, srv.Client(), bucket, key), "every update once")
				t.Logf("the waiter committed after %v; the busy writer made %d updates, yielded %d times", took, n.Load(), yields.Load())
			})
		})
	}
}
