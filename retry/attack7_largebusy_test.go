//go:build go1.25

package retry_test

import (
	"bytes"
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

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 0caaea7 (the short wait after a key's first watch read
// measures the busy writer's pace): its promise is that a waiter does not
// take (download and write) a key whose writer keeps writing once per two
// round trips, as a writer of an object larger than 64 KiB does (it reads
// before each write). TestWatcherDownloadsTheObjectOnlyToWrite checks it
// on a server that answers every request in 2 ms. Here, as on a real
// server, the object's GET (3 ms) and PUT (4 ms) take longer than the
// waiter's HeadObject probes (2 ms): the busy writer writes every 7 ms,
// and the waiter's short wait (three probes' round trips) spans about one
// of its writes. Each run counts the waiter's takes (writes after its two
// lost ones) sent while the busy writer is still writing. The waiter's two
// losses are instant (injected 412) or real (the busy writer wins).
func TestAttack7WaiterLeavesABusyLargeObjectAlone(t *testing.T) {
	for _, c := range []struct {
		name   string
		inject bool
	}{{"instant losses", true}, {"real losses", false}} {
		t.Run(c.name, func(t *testing.T) {
			var takes, runs int
			for streak := 120; streak < 200; streak += 16 {
				takes += largeBusyTakes(t, c.inject, streak)
				runs++
			}
			assert.Zero(t, takes, "takes of the busy key over %d runs", runs)
		})
	}
}

// largeBusyTakes runs a busy writer of a 100 KiB object for streak
// updates and one waiter, and returns the waiter's takes sent while the
// busy writer was still writing.
func largeBusyTakes(t *testing.T, inject bool, streak int) (takes int) {
	const size = 100 << 10
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "large", "blob"
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(), conflicttest.WithFaults(
			conflicttest.Fault{Operation: "HeadObject", Latency: 2 * time.Millisecond},
			conflicttest.Fault{Operation: "GetObject", Latency: 3 * time.Millisecond},
			conflicttest.Fault{Operation: "PutObject", Latency: 4 * time.Millisecond},
			conflicttest.Fault{Latency: 2 * time.Millisecond}))
		s3test.CreateBucket(t, srv.Client(), bucket)
		next := func(cur []byte, exists bool) ([]byte, error) {
			var c byte
			if exists {
				c = cur[0] + 1
			}
			return bytes.Repeat([]byte{c}, size), nil
		}
		var busyDone atomic.Bool
		var lost int
		opts := []func(*s3.Options){}
		if inject {
			opts = append(opts, loseTwice)
		}
		opts = append(opts, func(o *s3.Options) {
			next := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodPut && lost >= 2 && !busyDone.Load() {
					takes++
				}
				resp, err := next.Do(r)
				if r.Method == http.MethodPut && err == nil && resp.StatusCode == http.StatusPreconditionFailed {
					lost++
				}
				return resp, err
			})
		})
		waiter := retry.NewUpdater(srv.Client(opts...))
		var wg sync.WaitGroup
		busyWriter(t, &wg, retry.NewUpdater(srv.Client()), bucket, key, next,
			func(i int) bool { return i < streak }, func(int) { busyDone.Store(true) })
		c, err := waiter.Update(ctx, bucket, key, next)
		require.NoError(t, err)
		assert.True(t, c.Changed)
		wg.Wait()
		assert.Equal(t, byte(streak), get(t, srv.Client(), bucket, key)[0], "every update once")
	})
	return takes
}
