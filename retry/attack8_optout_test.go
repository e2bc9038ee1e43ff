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

// An Updater with YieldAfter negative, waiting for a key whose busy writer
// yields, takes it at the yield like any waiter, but its write carries no
// mark and it makes no pause of its own. Time is virtual, 2 ms per answer.
func TestAttack8OptedOutWaiterNeitherCarriesNorPauses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "fair", "counter"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		var marked, puts atomic.Int32
		watchPuts := func(o *s3.Options) {
			next := o.HTTPClient
			o.HTTPClient = smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodPut {
					puts.Add(1)
					if r.Header.Get("X-Amz-Meta-"+retry.YieldMetadataKey) != "" {
						marked.Add(1)
					}
				}
				return next.Do(r)
			})
		}
		var optYields atomic.Int32
		var stop atomic.Bool
		var wg sync.WaitGroup
		var n atomic.Int64
		busyYields := yieldingBusy(t, &wg, srv.Client(), bucket, key, &stop, &n)
		opt := retry.NewUpdater(srv.Client(watchPuts, loseTwice), countYields(&optYields),
			func(o *retry.UpdateOptions) { o.YieldAfter = -1 })
		start := time.Now()
		_, err := opt.Update(context.Background(), bucket, key, retry.Incr)
		took := time.Since(start)
		stop.Store(true)
		wg.Wait()
		require.NoError(t, err)
		assert.Less(t, took, retry.DefaultYieldAfter+time.Second, "it got in at the yield")
		assert.Positive(t, busyYields.Load())
		assert.Zero(t, optYields.Load(), "the opted-out Updater paused")
		assert.Positive(t, puts.Load())
		assert.Zero(t, marked.Load(), "the opted-out Updater carried the mark")
		assert.Equal(t, strconv.FormatInt(n.Load()+1, 10), get(t, srv.Client(), bucket, key), "every update once")
	})
}
