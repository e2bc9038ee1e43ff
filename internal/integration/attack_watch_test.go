package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// 64 goroutines over 8 Updaters (8 clients, as 8 processes) append their
// ids to one object with faults on the HeadObject probes (500, lost
// answers, 403) and lost PutObject answers. An update that returned nil is
// in the object once; one that failed otherwise than ErrAmbiguousWrite is
// absent; an ambiguous one at most once.
func TestAttackWatchersWithProbeFaults(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		bucket := s3test.NewBucket(t, b.client(nil), false)
		const key = "log"
		const clients, per, each = 8, 8, 3
		var mu sync.Mutex
		var outs []s3test.Outcome
		var wg sync.WaitGroup
		for c := range clients {
			inj := conflicttest.NewInjector(uint64(c),
				conflicttest.Fault{Operation: "HeadObject", Status: http.StatusInternalServerError, Code: "InternalError", Probability: 0.2},
				conflicttest.Fault{Operation: "HeadObject", LoseResponse: true, Probability: 0.1},
				conflicttest.Fault{Operation: "HeadObject", Status: http.StatusForbidden, Probability: 0.02},
				conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.05},
			)
			u := retry.NewUpdater(b.client(inj))
			for g := range per {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						id := fmt.Sprintf("c%dg%di%d", c, g, i)
						_, err := u.Update(ctx, bucket, key, func(cur []byte, _ bool) ([]byte, error) {
							return append(append([]byte(nil), cur...), " "+id...), nil
						})
						mu.Lock()
						outs = append(outs, s3test.Outcome{Mark: id, Err: err})
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		okN, ambN, errN := s3test.ExactlyOnce(t, s3test.Get(t, b.client(nil), bucket, key), outs, retry.ErrAmbiguousWrite)
		t.Logf("ok %d, ambiguous %d, failed %d", okN, ambN, errN)
	})
}
