//go:build go1.25

package retry_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// Callers re-creating a deleted bucket's name share one prober: its
// delays are its backoff's divided among the callers waiting behind it, and
// when the name frees the others go one by one, one request each.
func TestCoordSharedWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c, inj := modelClient(conflicttest.Model{RecreateWindow: 3 * time.Second}, rec, func(o *retry.Options) {
			o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Second) }
		})
		ctx := context.Background()
		_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("reused")})
		require.NoError(t, err)
		create := func() error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reused")})
			return err
		}
		errs, at := calls(create, create, create, create, create)
		for i, err := range errs {
			assert.NoError(t, err)
			assert.Equal(t, 3*time.Second, at[i], "all done when the name freed")
		}
		retries := actions(rec.all(), retry.Retry)
		require.Len(t, retries, 11, "requests at 0 and 1 s, then every 200 ms to 3 s")
		assert.Equal(t, 0, retries[0].Behind, "alone at its first answer")
		assert.Equal(t, time.Second, retries[0].Delay)
		for _, e := range retries[1:] {
			assert.Equal(t, retries[0].CallID, e.CallID, "one call probes")
			assert.Equal(t, 4, e.Behind)
			assert.Equal(t, 200*time.Millisecond, e.Delay, "1 s shared by 5 callers")
		}
		creates := 0
		for _, r := range inj.Records() {
			if r.Operation == "CreateBucket" {
				creates++
			}
		}
		assert.Equal(t, 12+4, creates, "the prober's 12 requests, then one each")
		waited := actions(rec.all(), retry.Waited)
		require.Len(t, waited, 4)
		for i, e := range waited {
			assert.Equal(t, i+1, e.Ahead, "they went in the order they came")
		}
	})
}

// A prober that gives up hands the probing to the next call in line, which
// still succeeds.
func TestCoordProberGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := modelClient(conflicttest.Model{RecreateWindow: 3 * time.Second}, &recorder{})
		ctx := context.Background()
		_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("reused")})
		require.NoError(t, err)
		create := func(optFns ...func(*s3.Options)) func() error {
			return func() error {
				_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reused")}, optFns...)
				return err
			}
		}
		short := retry.OnConflict(func(o *retry.Options) { o.MaxElapsed = time.Second })
		errs, at := calls(create(short), create())
		assert.ErrorIs(t, errs[0], retry.ErrMaxElapsed)
		assert.Less(t, at[0], 3*time.Second)
		assert.NoError(t, errs[1], "the next call took over")
	})
}

// Inside Do, each request of the client still queues: two Do calls writing
// one bucket do not collide.
func TestCoordInsideDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, inj := modelClient(conflicttest.Model{}, &recorder{})
		do := func() error {
			return retry.Do(context.Background(), func(ctx context.Context) error { return tag(c, ctx, "alpha")() })
		}
		errs, at := calls(do, do)
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		assert.Equal(t, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, at)
		assert.Zero(t, modeled(inj))
	})
}

// The log says a call waited, behind which call and for how long.
func TestCoordWaitLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c, _ := modelClient(conflicttest.Model{}, &recorder{}, func(o *retry.Options) { o.Logger = logger })
		ctx := context.Background()
		errs, _ := calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha"))
		require.NoError(t, errors.Join(errs...))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		require.Len(t, lines, 2, "two records: the wait, and the success that ends the call")
		var rec, end map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
		require.NoError(t, json.Unmarshal([]byte(lines[1]), &end))
		assert.Equal(t, "s3 conflict: resolved", end["msg"])
		assert.Equal(t, "DEBUG", end["level"], "no conflict met: Debug, as the wait")
		assert.Equal(t, rec["call_id"], end["call_id"])
		assert.Equal(t, float64(200*time.Millisecond), end["waited"])
		assert.Equal(t, "DEBUG", rec["level"])
		assert.Equal(t, "s3 conflict: waited", rec["msg"])
		assert.Equal(t, "alpha", rec["bucket"])
		assert.Equal(t, "PutBucketTagging", rec["operation"])
		assert.Equal(t, float64(200*time.Millisecond), rec["delay"], "slog's JSON handler writes durations in ns")
		assert.Equal(t, float64(1), rec["ahead"])
		assert.Len(t, rec["waited_for"], 16)
	})
}
