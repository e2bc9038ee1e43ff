package integration

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// 20 workers claim one job: exactly one claim succeeds, every other worker
// is told who won, and the owner is readable afterwards — each worker with
// its own client (as if in 20 processes) or all through one Updater, and
// with a third of the writes' answers lost.
func TestClaimExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
		lose   float64
	}{{"separate", false, 0}, {"shared", true, 0}, {"separate-lost-answers", false, 0.3}, {"shared-lost-answers", true, 0.3}} {
		t.Run(tc.name, func(t *testing.T) {
			both(t, func(t *testing.T, b backend) {
				plain := b.client(nil)
				bucket := s3test.NewBucket(t, plain, false)
				var inj *conflicttest.Injector
				if tc.lose > 0 {
					inj = conflicttest.NewInjector(3, conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Times: 1},
						conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: tc.lose})
				}
				shared := retry.NewUpdater(b.client(inj, s3test.QuickSDKRetries))
				const workers = 20
				errs := make([]error, workers)
				var wg sync.WaitGroup
				for i := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						u := shared
						if !tc.shared {
							u = retry.NewUpdater(b.client(inj, s3test.QuickSDKRetries))
						}
						_, errs[i] = u.Claim(context.Background(), bucket, "jobs/42", fmt.Sprintf("worker-%02d", i))
					}()
				}
				wg.Wait()
				winner := ""
				for i, err := range errs {
					if err == nil {
						require.Empty(t, winner, "two claims succeeded")
						winner = fmt.Sprintf("worker-%02d", i)
						continue
					}
					require.ErrorIs(t, err, conflict.PreconditionFailed)
					var lost *retry.ClaimLost
					require.True(t, errors.As(err, &lost))
					assert.NotEqual(t, fmt.Sprintf("worker-%02d", i), lost.Owner)
				}
				require.NotEmpty(t, winner, "one claim succeeded")
				owner, err := retry.Owner(context.Background(), plain, bucket, "jobs/42")
				require.NoError(t, err)
				assert.Equal(t, winner, owner)
				for _, err := range errs {
					var lost *retry.ClaimLost
					if errors.As(err, &lost) {
						assert.Equal(t, winner, lost.Owner)
					}
				}
				_, err = retry.Owner(context.Background(), plain, bucket, "jobs/43")
				assert.ErrorIs(t, err, retry.ErrNotClaimed)
				if inj != nil {
					lostN := 0
					for _, r := range inj.Records() {
						if r.Lost {
							lostN++
						}
					}
					assert.Positive(t, lostN)
					t.Logf("%s: %d answers lost", b.name, lostN)
				}
			})
		})
	}
}
