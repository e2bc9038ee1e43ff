//go:build go1.25

package retry_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/retry"
)

// A watcher that gives up after MaxRounds says how many writes it sent
// and how long it waited: checked against what the server saw and the
// virtual clock.
func TestAttackGiveUpCountsWritesAndTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "giveup", "k"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		busy := retry.NewUpdater(srv.Client())
		var puts atomic.Int64
		count := func(o *s3.Options) {
			loseTwice(o)
			next := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodPut {
					puts.Add(1)
				}
				return next.Do(r)
			})
		}
		waiter := retry.NewUpdater(srv.Client(count), func(o *retry.UpdateOptions) { o.MaxRounds = 5 })
		started, stop := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, err := busy.Update(ctx, bucket, key, retry.Incr)
				assert.NoError(t, err)
				if i == 2 {
					close(started)
				}
			}
		})
		<-started
		start := time.Now()
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		took := time.Since(start)
		close(stop)
		wg.Wait()
		var ce *conflict.Error
		require.ErrorAs(t, err, &ce)
		assert.ErrorIs(t, err, retry.ErrMaxAttempts)
		assert.Equal(t, conflict.PreconditionFailed, ce.Kind)
		assert.Equal(t, int(puts.Load()), ce.Attempts, "writes sent")
		assert.Equal(t, took, ce.Elapsed)
		t.Logf("%v (Attempts %d, Elapsed %v, Code %q, Status %d)", err, ce.Attempts, ce.Elapsed, ce.Code, ce.StatusCode)
	})
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
