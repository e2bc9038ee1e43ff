//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

type callerKey struct{}

// stormResult is what one simulated storm produced.
type stormResult struct {
	failures     int
	overshootP99 time.Duration // success time minus window, 99th percentile
	overshootMax time.Duration
	maxRequests  int     // most requests one caller sent
	meanRequests float64 // mean requests per caller
	maxSlice     int     // most callers sending within one 100 ms slice after 1 s
	budgetWaits  int     // retries the budget slowed down
}

// storm runs `callers` goroutines that each call PutBucketTagging on one
// client (real serializers, the stub answering) while the stub answers
// OperationAborted for the window w from the start. Time is virtual
// (testing/synctest): the backoff's real timers run on a fake clock, so a
// 10-second storm takes milliseconds and the result is the same on a loaded
// machine as on an idle one.
func storm(t *testing.T, callers int, w time.Duration, optFns ...func(*retry.Options)) stormResult {
	var res stormResult
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		sent := map[int][]time.Duration{} // per caller: request times since start
		stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
			now := time.Since(start)
			id := r.Context().Value(callerKey{}).(int)
			mu.Lock()
			sent[id] = append(sent[id], now)
			mu.Unlock()
			if now < w {
				return aborted()
			}
			return s3stub.OK
		})
		var budgetWaits atomic.Int64
		count := func(o *retry.Options) {
			o.OnEvent = func(e retry.Event) {
				if e.BudgetWait > 0 {
					budgetWaits.Add(1)
				}
			}
		}
		client := stub.Client(retry.OnConflict(append([]func(*retry.Options){count}, optFns...)...))
		done := make([]time.Duration, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.WithValue(context.Background(), callerKey{}, i)
				_, errs[i] = client.PutBucketTagging(ctx, tagging("shared"))
				done[i] = time.Since(start)
			}()
		}
		wg.Wait()
		res.budgetWaits = int(budgetWaits.Load())

		var over []time.Duration
		total := 0
		slices := map[int]map[int]bool{}
		for i := range callers {
			if errs[i] != nil {
				res.failures++
				continue
			}
			over = append(over, done[i]-w)
			n := len(sent[i])
			total += n
			res.maxRequests = max(res.maxRequests, n)
			for _, at := range sent[i] {
				if at < time.Second {
					continue
				}
				s := int(at / (100 * time.Millisecond))
				if slices[s] == nil {
					slices[s] = map[int]bool{}
				}
				slices[s][i] = true
			}
		}
		for _, callersIn := range slices {
			res.maxSlice = max(res.maxSlice, len(callersIn))
		}
		if len(over) > 0 {
			sortDurations(over)
			res.overshootP99 = over[(len(over)*99+99)/100-1]
			res.overshootMax = over[len(over)-1]
			res.meanRequests = float64(total) / float64(len(over))
		}
	})
	return res
}

func sortDurations(d []time.Duration) { slices.Sort(d) }

// TestStormDefaults holds the defaults to the goals: 50 callers ride out
// an OperationAborted storm of W seconds without a failure, at most 15
// requests per caller at W = 10 s, a p99 overshoot of at most 0.35·W + 1 s,
// and never more than 40% of the callers in one 100 ms slice after the
// first second (no lockstep).
func TestStormDefaults(t *testing.T) {
	for _, w := range []time.Duration{3 * time.Second, 10 * time.Second} {
		t.Run(w.String(), func(t *testing.T) {
			r := storm(t, 50, w)
			t.Logf("W=%v: failures=%d p99 overshoot=%v max=%v requests/caller mean=%.1f max=%d busiest 100ms slice=%d callers",
				w, r.failures, r.overshootP99, r.overshootMax, r.meanRequests, r.maxRequests, r.maxSlice)
			assert.Zero(t, r.failures, "callers failed")
			assert.Zero(t, r.budgetWaits, "the default budget must not slow 50 callers")
			limit := time.Duration(0.35*float64(w)) + time.Second
			assert.LessOrEqual(t, r.overshootP99, limit, "p99 overshoot")
			if w == 10*time.Second {
				assert.LessOrEqual(t, r.maxRequests, 15, "requests per caller")
			}
			assert.LessOrEqual(t, r.maxSlice, 20, "callers within one 100 ms slice (40%% of 50)")
		})
	}
}

// TestStormBaselines shows why the defaults are not a fixed schedule: the
// same storm under Terraform's kind of fixed schedule sends every caller at
// once every round, which the jittered default never does.
func TestStormBaselines(t *testing.T) {
	fixed := func(o *retry.Options) {
		o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(2 * time.Second) }
	}
	r := storm(t, 50, 3*time.Second, fixed)
	t.Logf("fixed 2s schedule, W=3s: p99 overshoot=%v busiest slice=%d callers", r.overshootP99, r.maxSlice)
	require.Zero(t, r.failures)
	assert.Equal(t, 50, r.maxSlice, "a fixed schedule moves all callers in lockstep")

	cenkalti := func(o *retry.Options) {
		o.Backoff = func() backoff.BackOff { return backoff.NewExponentialBackOff() }
	}
	for _, w := range []time.Duration{3 * time.Second, 10 * time.Second} {
		r := storm(t, 50, w, cenkalti)
		ours := storm(t, 50, w)
		t.Logf("W=%v p99 overshoot: cenkalti defaults %v, ours %v", w, r.overshootP99, ours.overshootP99)
		if w == 10*time.Second { // at W = 3 s the two are close and the jitter decides
			assert.Less(t, ours.overshootP99, r.overshootP99, fmt.Sprintf("W=%v: ours must come back sooner", w))
		}
	}
}
