//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// appendID is an update that appends id and a comma to the object.
func appendID(id string) retry.UpdateFunc {
	return func(cur []byte, _ bool) ([]byte, error) {
		return append(append(cur, id...), ','), nil
	}
}

// 64 goroutines over 4 Updaters (16 each, combining) append their own ids
// to one key while yields come every 50 ms, PutObjects lose their answers
// or meet 409 ConditionalRequestConflict, and a third of the updates run
// under a deadline that may end in a yield's pause: every success is in
// the object once, no id twice, a plain failure not at all; only
// ErrAmbiguousWrite and an ended context may be either. Time is virtual.
func TestAttack8YieldsWithFaultsLoseNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bucket, key := "fair", "log"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.05})
		srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Code: "ConditionalRequestConflict", Probability: 0.05})
		var yields atomic.Int32
		var ups [4]*retry.Updater
		for i := range ups {
			ups[i] = retry.NewUpdater(srv.Client(), countYields(&yields),
				func(o *retry.UpdateOptions) { o.YieldAfter = 10 * time.Millisecond })
		}
		var mu sync.Mutex
		ok, maybe, failed := map[string]bool{}, map[string]bool{}, map[string]error{}
		var wg sync.WaitGroup
		for g := range 64 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), 8))
				for i := range 25 {
					id := fmt.Sprintf("%d.%d", g, i)
					ctx, cancel := context.Background(), context.CancelFunc(func() {})
					if rng.IntN(3) == 0 {
						ctx, cancel = context.WithTimeout(ctx, time.Duration(1+rng.IntN(300))*time.Millisecond)
					}
					_, err := ups[g%4].Update(ctx, bucket, key, appendID(id))
					cancel()
					mu.Lock()
					switch {
					case err == nil:
						ok[id] = true
					case errors.Is(err, retry.ErrAmbiguousWrite), ctx.Err() != nil:
						maybe[id] = true
					default:
						failed[id] = err
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, id := range strings.Split(strings.TrimSuffix(get(t, srv.Client(), bucket, key), ","), ",") {
			seen[id]++
		}
		for id, n := range seen {
			require.Equal(t, 1, n, "%s applied %d times", id, n)
			if !ok[id] && !maybe[id] {
				require.Contains(t, failed, id, "%s in the object, never asked for", id)
				t.Errorf("%s in the object, yet its update failed: %v", id, failed[id])
			}
		}
		for id := range ok {
			assert.Equal(t, 1, seen[id], "success %s missing", id)
		}
		assert.Positive(t, yields.Load())
		t.Logf("ok=%d maybe=%d failed=%d in object=%d yields=%d", len(ok), len(maybe), len(failed), len(seen), yields.Load())
	})
}
