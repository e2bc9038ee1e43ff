//go:build go1.25

package conflicttest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// A caller that gives up while its configuration write is being applied
// frees the bucket: the next write is not refused.
func TestModelCancelledWriteFreesBucket(t *testing.T) {
	for _, sd := range sides {
		t.Run(sd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := sd.start(t, conflicttest.Model{ConfigApply: time.Hour})
				_, _ = c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err := c.PutBucketVersioning(ctx, versioning("shared"))
				cancel()
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				synctest.Wait() // the server has seen the connection go

				ctx, cancel = context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_, err = c.PutBucketVersioning(ctx, versioning("shared"))
				assert.ErrorIs(t, err, context.DeadlineExceeded, "held again, not refused")
				assert.NotEqual(t, "OperationAborted", s3err.Code(err))
			})
		})
	}
}

// 64 goroutines write one bucket's tagging through retry.OnConflict: every
// write lands, one at a time.
func TestModel64Writers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, inj := sides[0].start(t, conflicttest.Model{ConfigApply: 100 * time.Millisecond}, retry.OnConflict())
		_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 64)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.PutBucketTagging(context.Background(), &s3.PutBucketTaggingInput{Bucket: aws.String("shared"),
					Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("writer"), Value: aws.String(fmt.Sprint(i))}}}})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			assert.NoError(t, err)
		}
		assert.GreaterOrEqual(t, time.Since(start), 64*100*time.Millisecond, "one at a time")
		ok := 0
		for _, r := range inj.Records() {
			if r.Operation == "PutBucketTagging" && r.Status/100 == 2 {
				ok++
			}
		}
		assert.Equal(t, 64, ok)
	})
}

// 64 goroutines race to create one key with If-None-Match: exactly one
// wins; the others, after the model's ConditionalRequestConflict is
// retried, learn they lost (412), and nobody's write is papered over.
func TestModel64ConditionalCreators(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := sides[0].start(t, conflicttest.Model{}, retry.OnConflict())
		ctx := context.Background()
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("jobs")})
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 64)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("jobs"), Key: aws.String("job-1"),
					Body: strings.NewReader(fmt.Sprint("worker-", i)), IfNoneMatch: aws.String("*")})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two winners")
				winner = i
				continue
			}
			assert.ErrorIs(t, err, conflict.PreconditionFailed)
		}
		require.NotEqual(t, -1, winner)
		assert.Equal(t, fmt.Sprint("worker-", winner), body(t, c, "jobs", "job-1", nil), "the winner's bytes")
	})
}

// 64 goroutines writing one key of a versioned bucket leave 64 versions
// with 64 IDs, the last write latest.
func TestStore64Versions(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	s3test.VersionedBucket(t, c, "busy")
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("busy"), Key: aws.String("k"),
				Body: strings.NewReader(fmt.Sprint(i))})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	got := versions(t, c, "busy")
	require.Len(t, got, 64)
	ids := map[string]bool{}
	for _, v := range got {
		ids[v.VersionID] = true
	}
	assert.Len(t, ids, 64)
	assert.True(t, got[0].Latest)
	assert.Equal(t, got[0].Body, body(t, c, "busy", "k", nil))
}

// A lost response on a modeled configuration write: the write happened,
// the SDK resends, and the caller ends with the configuration it sent.
func TestModelLostResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(), conflicttest.WithModel(conflicttest.Model{}),
			conflicttest.WithFaults(conflicttest.Fault{Operation: "PutBucketTagging", LoseResponse: true, Times: 1}))
		c := srv.Client(retry.OnConflict())
		ctx := context.Background()
		mkBucket(t, c, "lossy")
		tagging := &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}}}
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("lossy"), Tagging: tagging})
		require.NoError(t, err)
		out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("lossy")})
		require.NoError(t, err)
		assert.Equal(t, "billing", aws.ToString(out.TagSet[0].Value))
		var lost bool
		for _, r := range srv.Faults.Records() {
			lost = lost || r.Lost
		}
		assert.True(t, lost)
	})
}

// Two conditional completions of one key overlap: the later one meets
// ConditionalRequestConflict, which for a completion means "restart the
// upload".
func TestModelConditionalCompletions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := sides[0].start(t, conflicttest.Model{})
		ctx := context.Background()
		b, k := aws.String("uploads"), aws.String("big")
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
		require.NoError(t, err)
		completes := make([]func() error, 2)
		for i := range completes {
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
			require.NoError(t, err)
			p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: up.UploadId, PartNumber: aws.Int32(1),
				Body: strings.NewReader(fmt.Sprint("upload-", i))})
			require.NoError(t, err)
			completes[i] = func() error {
				_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: up.UploadId,
					IfNoneMatch: aws.String("*"), MultipartUpload: &types.CompletedMultipartUpload{
						Parts: []types.CompletedPart{{ETag: p.ETag, PartNumber: aws.Int32(1)}}}})
				return err
			}
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range completes {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = completes[i]() }()
			synctest.Wait() // the first is in flight before the second starts
		}
		wg.Wait()
		assert.NoError(t, errs[0])
		assert.Equal(t, "ConditionalRequestConflict", s3err.Code(errs[1]))
		assert.Equal(t, conflict.RestartUpload, conflict.Classify(errs[1]))
	})
}
