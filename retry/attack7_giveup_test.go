//go:build go1.25

package retry_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// Attack on de1c151 (a take that loses after its probe looks again a short
// wait later even when the content read after the probe is newer): every
// take of the waiter meets another writer's write between its probe
// (HeadObject) and its read, and another between its read and its write,
// which loses. Before de1c151 each such loss waited a whole contention
// wait; now it looks again soon, at most quickTakes (4) times in a row,
// and no such loss counts as a round. The update must still give up within
// the times UpdateOptions.MaxRounds documents for takes that keep losing
// (25 s at 2 ms per request, 50 s at 20 ms, 85 s at 50 ms; 15% room, as
// in TestAttack6GiveUpTimeGrowsWithRoundTrips), and look again quickly
// no more than 4 times after a lost take.
func TestAttack7GiveUpWhenEveryTakeMeetsTwoWrites(t *testing.T) {
	giveUpAsDocumented(t, func(t *testing.T, other *retry.Updater, bucket, key string, slipped *atomic.Int64, rt time.Duration) (func(*s3.Options), func(*testing.T)) {
		slip := func() {
			_, err := other.Update(context.Background(), bucket, key, retry.Incr)
			require.NoError(t, err)
			slipped.Add(1)
		}
		var puts, mostPuts int // writes between two probes (HeadObject after a whole wait)
		opt := func(o *s3.Options) {
			next := o.HTTPClient
			var probed bool
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				switch r.Method {
				case http.MethodHead:
					probed, puts = true, 0
				case http.MethodGet:
					if probed {
						slip() // between the probe and the read
					}
					probed = false
				case http.MethodPut:
					slip() // between the read and the write
					puts++
					mostPuts = max(mostPuts, puts)
				}
				time.Sleep(rt)
				return next.Do(r)
			})
		}
		return opt, func(t *testing.T) {
			t.Logf("at most %d writes between two probes", mostPuts)
			assert.LessOrEqual(t, mostPuts, 5, "a take and more than 4 quick takes before a whole wait")
		}
	})
}
