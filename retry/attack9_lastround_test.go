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
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// An update allowed two rounds (MaxRounds 2), or a contention backoff that
// allows one wait (a custom Contention), loses its first race to a writer
// that makes two quick updates and stops. Before 43d10a2 its second write
// committed; at 43d10a2 the read after the first wait found the two
// writes, took the writer for one that goes on, and spent the last round
// (or the backoff's last wait) watching instead of writing: the update
// failed with ErrMaxAttempts (ErrBackoffStopped) though the key was free
// ("2 rounds in 13ms"). Now it writes on that read, as before, and
// commits with its second write. Time is virtual, 2 ms per answer.
func TestAttack9LastRoundWritesRatherThanWatches(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  func(*retry.UpdateOptions)
	}{
		{"MaxRounds 2", func(o *retry.UpdateOptions) { o.MaxRounds = 2 }},
		{"Contention one wait", func(o *retry.UpdateOptions) {
			o.Contention = func() backoff.BackOff {
				return backoff.WithMaxRetries(backoff.NewConstantBackOff(5*time.Millisecond), 1)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				bucket, key := "handoff", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				other := retry.NewUpdater(srv.Client())
				_, err := other.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err)
				var puts atomic.Int64
				waiter := retry.NewUpdater(srv.Client(burstBeforeFirstWrite(t, other, bucket, key, 2, &puts, nil)), c.opt)
				_, err = waiter.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err, "the key was free after the other writer's two updates")
				assert.Equal(t, "4", get(t, srv.Client(), bucket, key), "every update once")
				assert.Equal(t, int64(2), puts.Load(), "the waiter's writes")
			})
		})
	}
}

// burstBeforeFirstWrite makes other apply n increments to key just before
// the client's first PUT goes out, so that it loses to a writer that
// then stops; it counts the client's PUTs in puts and, if lostAt is not
// nil, sets it when that first PUT's answer came.
func burstBeforeFirstWrite(t *testing.T, other *retry.Updater, bucket, key string, n int, puts *atomic.Int64,
	lostAt *time.Time) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method != http.MethodPut || puts.Add(1) != 1 {
				return next.Do(r)
			}
			for range n {
				_, err := other.Update(context.Background(), bucket, key, retry.Incr)
				require.NoError(t, err)
			}
			resp, err := next.Do(r)
			if lostAt != nil {
				*lostAt = time.Now()
			}
			return resp, err
		})
	}
}

// countRetries adds every contention wait (a Retry event) to n.
func countRetries(n *atomic.Int64) func(*retry.UpdateOptions) {
	return func(o *retry.UpdateOptions) {
		o.OnEvent = func(e retry.Event) {
			if e.Action == retry.Retry {
				n.Add(1)
			}
		}
	}
}
