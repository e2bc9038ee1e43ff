//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// padded returns an update that adds one to the decimal counter that
// begins the content and pads the result with dots to size bytes (0: to
// the content's own length).
func padded(size int) retry.UpdateFunc {
	return func(cur []byte, exists bool) ([]byte, error) {
		n, want := 0, size
		if exists {
			f := strings.Fields(string(cur[:min(len(cur), 32)]))
			var err error
			if n, err = strconv.Atoi(f[0]); err != nil {
				return nil, err
			}
			if want == 0 {
				want = len(cur)
			}
		}
		s := fmt.Sprintf("%d ", n+1)
		return []byte(s + strings.Repeat(".", max(want-len(s), 0))), nil
	}
}

// Attack on de1c151 (a take that loses after its probe looks again a short
// wait later even when the content read after the probe is newer): a
// large object (more than 64 KiB), whose every take costs a download and
// an upload, waits its whole wait after a lost take. Here the object grows
// past 64 KiB between the waiter's probe (which found it small) and its
// read of the content: the take downloaded 70 KiB, and lost. Time is
// virtual, 2 ms per answer.
func TestAttack7LostTakeOfAnObjectGrownLargeWaitsAWholeWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const answer = 2 * time.Millisecond
		bucket, key := "handoff", "counter"
		srv := slowServer(t, answer, bucket)
		busy := retry.NewUpdater(srv.Client())
		other := retry.NewUpdater(srv.Client())
		stopped := make(chan struct{})
		var slips atomic.Int32
		slip := func() {
			_, err := other.Update(context.Background(), bucket, key, padded(70<<10))
			require.NoError(t, err)
			slips.Add(1)
		}
		var lostTake retry.Event
		var seen bool
		waiter := retry.NewUpdater(srv.Client(loseTwice, func(o *s3.Options) {
			next := o.HTTPClient
			var probed bool
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				select {
				case <-stopped:
				default:
					return next.Do(r)
				}
				switch {
				case r.Method == http.MethodHead:
					probed = true
				case r.Method == http.MethodGet && probed && slips.Load() == 0:
					slip() // between the probe and the read: the object grows
				case r.Method == http.MethodPut && slips.Load() == 1:
					slip() // between the read and the write
				}
				return next.Do(r)
			})
		}), func(o *retry.UpdateOptions) {
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry && slips.Load() == 2 && !seen {
					lostTake, seen = e, true
				}
			}
		})
		var wg sync.WaitGroup
		busyWriter(t, &wg, busy, bucket, key, padded(1), func(i int) bool { return i < 300 }, func(int) { close(stopped) })
		c, err := waiter.Update(context.Background(), bucket, key, padded(0))
		require.NoError(t, err)
		assert.True(t, c.Changed)
		wg.Wait()
		require.True(t, seen, "the waiter's take never lost after its probe")
		got := get(t, srv.Client(), bucket, key)
		assert.Equal(t, "303", strings.Fields(got[:32])[0], "every update once")
		assert.Len(t, got, 70<<10)
		assert.GreaterOrEqual(t, lostTake.Delay, retry.DefaultContentionMax/2,
			"a lost take of a 70 KiB object looked again a short wait later")
	})
}
