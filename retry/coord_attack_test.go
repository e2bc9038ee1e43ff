//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// 64 goroutines of one client write the configuration of 4 buckets on the
// in-process server, whose model serializes configuration writes, while
// one response in ten is lost (the SDK resends) and a third of the calls
// have a short deadline. Every call returns; calls without a deadline all
// succeed; the others succeed or end with their deadline; and the client
// never collides with itself: the model answers no OperationAborted,
// except just after a write whose response was lost (the SDK's resend
// meets it still being applied; no client can know it landed) or whose
// caller's deadline passed while it was in flight (the queue lets the next
// call go; the server may still be applying the abandoned one). A call
// whose every SDK attempt lost its response ends with the SDK's
// attempts error, which is a returned call too.
func TestCoordUnderAttack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(), conflicttest.WithModel(conflicttest.Model{}),
			conflicttest.WithFaults(conflicttest.Fault{Operation: "PutBucketTagging", Probability: 0.1, LoseResponse: true},
				conflicttest.Fault{Operation: "PutBucketVersioning", Probability: 0.1, LoseResponse: true}))
		c := srv.Client(retry.OnConflict())
		ctx := context.Background()
		buckets := []string{"a-0", "a-1", "a-2", "a-3"}
		for _, b := range buckets {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
			require.NoError(t, err)
		}
		var mu sync.Mutex
		var okCalls, deadlineCalls, lostCalls int
		abandoned := map[string][]time.Time{} // bucket: when an unanswered write was left behind
		var wg sync.WaitGroup
		for g := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(g), 1))
				bucket := aws.String(buckets[g%len(buckets)])
				for i := range 3 {
					cctx, cancel := ctx, context.CancelFunc(func() {})
					short := r.IntN(3) == 0
					if short {
						cctx, cancel = context.WithTimeout(ctx, time.Duration(r.IntN(3000))*time.Millisecond)
					}
					var err error
					if i%2 == 0 {
						_, err = c.PutBucketTagging(cctx, &s3.PutBucketTaggingInput{Bucket: bucket, Tagging: &types.Tagging{
							TagSet: []types.Tag{{Key: aws.String("g"), Value: aws.String(fmt.Sprint(g))}}}})
					} else {
						_, err = c.PutBucketVersioning(cctx, &s3.PutBucketVersioningInput{Bucket: bucket,
							VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
					}
					cancel()
					mu.Lock()
					switch {
					case err == nil:
						okCalls++
					case short && errors.Is(err, context.DeadlineExceeded):
						deadlineCalls++
						abandoned[*bucket] = append(abandoned[*bucket], time.Now())
					case errors.As(err, new(*awsretry.MaxAttemptsError)):
						lostCalls++ // every SDK attempt lost its response
					default:
						t.Errorf("goroutine %d write %d (short deadline %v): %v", g, i, short, err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 192, okCalls+deadlineCalls+lostCalls, "every call returned")
		assert.Positive(t, deadlineCalls, "some deadlines passed while waiting")
		lost := 0
		records := srv.Faults.Records()
		for _, r := range records {
			if r.Lost {
				lost++
				abandoned[r.Bucket] = append(abandoned[r.Bucket], r.Time)
			}
		}
		for _, r := range records {
			if !r.Modeled {
				continue
			}
			explained := slices.ContainsFunc(abandoned[r.Bucket], func(at time.Time) bool {
				d := r.Time.Sub(at)
				return d >= 0 && d <= conflicttest.DefaultConfigApply
			})
			assert.True(t, explained, "the client collided with itself: %+v", r)
		}
		assert.Positive(t, lost, "responses were lost")
		t.Logf("%d calls succeeded, %d ended with their deadline, %d lost every answer; %d responses lost", okCalls, deadlineCalls, lostCalls, lost)
	})
}
