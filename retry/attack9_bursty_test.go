//go:build go1.25

package retry_test

import (
	"context"
	"math/rand/v2"
	"net/http"
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

// Two writers in separate processes update one key now and then, in
// bursts of 1 to 3 updates 20 to 80 ms apart (30 bursts each, 10 runs,
// about 1200 updates): they race now and then, and every lost race costs
// one contention wait, as before 43d10a2. There, a write made from the
// content a writer remembered since its last burst lost to the other's
// burst, and the read after the wait took that finished burst for a
// writer that goes on: a second wait. Time is virtual, 2 ms per answer.
// At 12f3887 and now (2 to 4 runs each): 232-239 lost races, as many
// waits (+0-5), 1637-1662 requests, the updates' times 19.7-20.2 s in
// all. At bd64023 (43d10a2 and the changes after it, 3 runs): 136-142
// lost races, 273-279 waits, 1708-1720 requests, 23.5-23.8 s.
func TestAttack9TwoWritersRacingNowAndThenWaitOncePerLoss(t *testing.T) {
	var lost, waits, reqs atomic.Int64
	var took time.Duration
	for run := range 10 {
		synctest.Test(t, func(t *testing.T) {
			bucket, key := "pin", "counter"
			srv := slowServer(t, 2*time.Millisecond, bucket)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := range 2 {
				u := retry.NewUpdater(srv.Client(countRequests(&reqs), count412s(&lost)), countRetries(&waits))
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(run), uint64(w)))
					for range 30 {
						time.Sleep(time.Duration(20+rng.IntN(60)) * time.Millisecond)
						for range 1 + rng.IntN(3) {
							began := time.Now()
							_, err := u.Update(context.Background(), bucket, key, retry.Incr)
							require.NoError(t, err)
							mu.Lock()
							took += time.Since(began)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
		})
	}
	assert.LessOrEqual(t, waits.Load(), lost.Load()+lost.Load()/10, "contention waits against lost races")
	t.Logf("%d lost races, %d contention waits, %d requests, the updates took %v in all", lost.Load(), waits.Load(), reqs.Load(), took)
}

// count412s adds every 412 answer the client gets to n.
func count412s(n *atomic.Int64) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.Do(r)
			if resp != nil && resp.StatusCode == http.StatusPreconditionFailed {
				n.Add(1)
			}
			return resp, err
		})
	}
}
