//go:build go1.25

package retry_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// The coordination tests run in synctest bubbles on the conflict model: a
// configuration write takes 200 ms, and one that arrives meanwhile is
// answered OperationAborted. A bubble also fails the test if any goroutine
// is left blocked when it ends.

// modelClient returns a client whose requests meet the model m in front of
// a stub that answers 200, with OnConflict(optFns...) recording its events.
func modelClient(m conflicttest.Model, rec *recorder, optFns ...func(*retry.Options)) (*s3.Client, *conflicttest.Injector) {
	inj := conflicttest.NewInjector(1)
	inj.SetModel(m)
	return s3stub.New().Client(func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) },
		retry.OnConflict(append([]func(*retry.Options){rec.options}, optFns...)...)), inj
}

// calls runs fns in goroutines, one after the other has sent or queued
// (synctest.Wait), and returns their errors and return times once all end.
func calls(fns ...func() error) ([]error, []time.Duration) {
	start := time.Now()
	errs, at := make([]error, len(fns)), make([]time.Duration, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn()
			at[i] = time.Since(start)
		}()
		synctest.Wait()
	}
	wg.Wait()
	return errs, at
}

func tag(c *s3.Client, ctx context.Context, bucket string, optFns ...func(*s3.Options)) func() error {
	return func() error {
		_, err := c.PutBucketTagging(ctx, tagging(bucket), optFns...)
		return err
	}
}

// modeled counts the answers the model gave (self-inflicted conflicts).
func modeled(inj *conflicttest.Injector) int {
	n := 0
	for _, r := range inj.Records() {
		if r.Modeled {
			n++
		}
	}
	return n
}

// coordGoroutines counts goroutines inside the coordination code.
func coordGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "retry.(*middlewareImpl).take")
}

func actions(events []retry.Event, a retry.Action) []retry.Event {
	var out []retry.Event
	for _, e := range events {
		if e.Action == a {
			out = append(out, e)
		}
	}
	return out
}

// Two writes to one bucket queue (one request each, the second applied
// after the first, its wait reported); a write to another bucket is not
// delayed.
func TestCoordQueuesPerBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c, inj := modelClient(conflicttest.Model{}, rec)
		ctx := context.Background()
		errs, at := calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha"), tag(c, ctx, "bravo"))
		for _, err := range errs {
			assert.NoError(t, err)
		}
		assert.Equal(t, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 200 * time.Millisecond}, at)
		assert.Len(t, inj.Records(), 3, "one request per write")
		assert.Zero(t, modeled(inj), "no self-inflicted OperationAborted")

		events := rec.all()
		require.Len(t, events, 2, "only the write that waited says so, and how it ended")
		e := events[0]
		assert.Equal(t, retry.Resolved, events[1].Action)
		assert.Equal(t, e.CallID, events[1].CallID)
		assert.Equal(t, retry.Waited, e.Action)
		assert.Equal(t, "alpha", e.Bucket)
		assert.Equal(t, "PutBucketTagging", e.Operation)
		assert.Equal(t, 200*time.Millisecond, e.Delay)
		assert.Equal(t, 1, e.Ahead)
		assert.Len(t, e.WaitedFor, 16)
		assert.Len(t, e.CallID, 16)
		assert.NotEqual(t, e.CallID, e.WaitedFor)
	})
}

// Without coordination the same two writes race, as before.
func TestCoordOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, inj := modelClient(conflicttest.Model{}, &recorder{}, func(o *retry.Options) { o.NoCoordination = true })
		ctx := context.Background()
		errs, _ := calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha"))
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		assert.Positive(t, modeled(inj), "the second write met the first")
	})
}

// A waiter whose context is cancelled leaves at once, having sent nothing,
// with a Stop record; the call behind it is not stalled. A waiter's
// deadline is honoured the same way.
func TestCoordWaiterLeaves(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				c, inj := modelClient(conflicttest.Model{}, rec)
				ctx, cancel := tc.ctx()
				defer cancel()
				bg := context.Background()
				errs, at := calls(tag(c, bg, "alpha"), tag(c, ctx, "alpha"), tag(c, bg, "alpha"))
				assert.NoError(t, errs[0])
				assert.ErrorIs(t, errs[1], tc.want)
				assert.NoError(t, errs[2])
				assert.Equal(t, []time.Duration{200 * time.Millisecond, 50 * time.Millisecond, 400 * time.Millisecond}, at,
					"the leaver returns when its context ends; the next goes after the first")
				assert.Len(t, inj.Records(), 2, "the leaver sent nothing")
				assert.Zero(t, coordGoroutines(), "no goroutine outlives its call")

				stops := actions(rec.all(), retry.Stop)
				require.Len(t, stops, 1)
				assert.ErrorIs(t, stops[0].Err, tc.want)
				assert.Equal(t, 50*time.Millisecond, stops[0].Waited)
				waited := actions(rec.all(), retry.Waited)
				require.Len(t, waited, 1)
				assert.Equal(t, 2, waited[0].Ahead)
				assert.Equal(t, stops[0].CallID, waited[0].WaitedFor, "it came behind the leaver")
				assert.Equal(t, 200*time.Millisecond, waited[0].Delay)
			})
		})
	}
}

// A per-call OnConflict queues with the client's calls; with
// NoCoordination it does not.
func TestCoordPerCallOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec, own := &recorder{}, &recorder{}
		c, inj := modelClient(conflicttest.Model{}, rec)
		ctx := context.Background()
		errs, _ := calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha", retry.OnConflict(own.options)))
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		assert.Zero(t, modeled(inj), "the per-call write waited in line")
		require.Len(t, own.all(), 2, "its own options report its wait and its end")
		assert.Equal(t, retry.Waited, own.all()[0].Action)
		assert.Equal(t, retry.Resolved, own.all()[1].Action)

		errs, _ = calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha", retry.OnConflict(func(o *retry.Options) { o.NoCoordination = true })))
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		assert.Positive(t, modeled(inj), "without coordination it raced")
	})
}
