package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		type outcome struct {
			id  string
			err error
		}
		var mu sync.Mutex
		var outs []outcome
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
						outs = append(outs, outcome{id, err})
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		out, err := b.client(nil).GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key)})
		require.NoError(t, err)
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := out.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		out.Body.Close()
		seen := map[string]int{}
		for _, f := range strings.Fields(sb.String()) {
			seen[f]++
		}
		var okN, ambN, errN int
		for _, o := range outs {
			switch {
			case o.err == nil:
				okN++
				assert.Equal(t, 1, seen[o.id], "%s returned nil", o.id)
			case errors.Is(o.err, retry.ErrAmbiguousWrite):
				ambN++
				assert.LessOrEqual(t, seen[o.id], 1, "%s ambiguous", o.id)
			default:
				errN++
				if errN == 1 {
					t.Logf("first failure: %v", o.err)
				}
				assert.Equal(t, 0, seen[o.id], "%s failed with %v", o.id, o.err)
			}
		}
		t.Logf("ok %d, ambiguous %d, failed %d", okN, ambN, errN)
	})
}
