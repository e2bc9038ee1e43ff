//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// probeFaults break the HeadObject probes (500s, lost answers, resets,
// 403) and some reads and writes.
func probeFaults(seed uint64) *conflicttest.Injector {
	return conflicttest.NewInjector(seed,
		conflicttest.Fault{Operation: "HeadObject", Status: http.StatusInternalServerError, Code: "InternalError", Probability: 0.2},
		conflicttest.Fault{Operation: "HeadObject", LoseResponse: true, Probability: 0.1},
		conflicttest.Fault{Operation: "HeadObject", Status: http.StatusForbidden, Probability: 0.02},
		conflicttest.Fault{Operation: "GetObject", Status: http.StatusInternalServerError, Code: "InternalError", Probability: 0.05},
		conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.05},
	)
}

// 64 goroutines over 8 Updaters (8 clients, as 8 processes) append their
// own ids to one object, with faults on the probes. Every update that
// returned nil is in the object exactly once; every one that failed with
// an error other than ErrAmbiguousWrite is absent; an ambiguous one at
// most once.
func TestAttackManyWritersWithProbeFaults(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				bucket, key := "many", "log"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				const clients, per, each = 8, 8, 4
				var mu sync.Mutex
				var outs []s3test.Outcome
				var wg sync.WaitGroup
				for c := range clients {
					inj := probeFaults(seed*100 + uint64(c))
					u := retry.NewUpdater(srv.Client(func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) }))
					for g := range per {
						wg.Go(func() {
							for i := range each {
								id := fmt.Sprintf("c%dg%di%d", c, g, i)
								_, err := u.Update(ctx, bucket, key, func(cur []byte, _ bool) ([]byte, error) {
									return append(append([]byte(nil), cur...), " "+id...), nil
								})
								mu.Lock()
								outs = append(outs, s3test.Outcome{Mark: id, Err: err})
								mu.Unlock()
							}
						})
					}
				}
				wg.Wait()
				okN, ambN, errN := s3test.ExactlyOnce(t, get(t, srv.Client(), bucket, key), outs, retry.ErrAmbiguousWrite)
				t.Logf("ok %d, ambiguous %d, failed %d", okN, ambN, errN)
			})
		})
	}
}
