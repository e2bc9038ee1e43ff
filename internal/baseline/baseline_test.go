//go:build go1.25

package baseline_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/baseline"
	"github.com/s3conflict/s3conflict/internal/s3stub"
)

// clock is a fake clock whose Sleep records the delay and moves time.
type clock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// tag calls PutBucketTagging on a client of stub under s.
func tag(s baseline.Strategy, stub *s3stub.Stub) error {
	c := stub.Client(s.ClientOptions...)
	return s.Run(context.Background(), func(ctx context.Context) error {
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("b"), Tagging: &types.Tagging{TagSet: []types.Tag{}}})
		return err
	})
}

func aborted() s3stub.Answer { return s3stub.Error(409, "OperationAborted") }

func code(t *testing.T, err error) string {
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "an S3 error: %v", err)
	return ae.ErrorCode()
}

func TestTerraformSchedule(t *testing.T) {
	var tf baseline.Terraform
	var got []time.Duration
	var d time.Duration
	for n := range 9 {
		d = tf.Delay(n, d)
		got = append(got, d)
	}
	s := time.Second
	assert.Equal(t, []time.Duration{0, s / 2, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}, got)
}

func TestTerraformRetriesOperationAbortedUntilTimeoutAndGrace(t *testing.T) {
	c := &clock{now: time.Unix(0, 0)}
	stub := s3stub.New()
	stub.Default = aborted()
	err := tag(baseline.Terraform{Timeout: 3 * time.Second, Sleep: c.Sleep, Now: c.Now}.Strategy(), stub)
	assert.Equal(t, "OperationAborted", code(t, err), "the last error is kept")
	s := time.Second
	// calls at 0, 0.5, 1.5, 3.5 s; 3.5 is past the 3 s timeout, the grace allows one more at 7.5 s
	assert.Equal(t, []time.Duration{0, s / 2, s, 2 * s, 4 * s}, c.sleeps)
	assert.Equal(t, 5, stub.Count())
}

func TestTerraformStopsOnOtherCodes(t *testing.T) {
	c := &clock{now: time.Unix(0, 0)}
	stub := s3stub.New(aborted(), s3stub.Error(409, "BucketNotEmpty"))
	err := tag(baseline.Terraform{Sleep: c.Sleep, Now: c.Now}.Strategy(), stub)
	assert.Equal(t, "BucketNotEmpty", code(t, err))
	assert.Equal(t, 2, stub.Count())
}

func TestNaiveRetriesAny409ThreeTimes(t *testing.T) {
	c := &clock{}
	stub := s3stub.New(s3stub.Error(409, "BucketNotEmpty"), aborted(), aborted(), s3stub.OK)
	err := tag(baseline.Naive{Sleep: c.Sleep}.Strategy(), stub)
	assert.Equal(t, "OperationAborted", code(t, err), "three tries, then the last error")
	assert.Equal(t, 3, stub.Count())
	assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second}, c.sleeps)

	stub = s3stub.New(s3stub.Error(404, "NoSuchBucket"))
	err = tag(baseline.Naive{Sleep: c.Sleep}.Strategy(), stub)
	assert.Equal(t, "NoSuchBucket", code(t, err), "no 409 in the text: not retried")
	assert.Equal(t, 1, stub.Count())
}

func TestNoneSendsOnce(t *testing.T) {
	stub := s3stub.New(aborted())
	assert.Equal(t, "OperationAborted", code(t, tag(baseline.None(), stub)))
	assert.Equal(t, 1, stub.Count())
}

// The SDK's retryer resends OperationAborted and pays the same quota cost
// for every retry (5 tokens at our floor, v1.39.4; 14 in v1.48.0); a failed
// call never refunds it.
func TestSDKRetryerSpendsTheQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := s3stub.New()
		stub.Default = aborted()
		s := baseline.SDKRetryer(0)
		assert.Equal(t, "OperationAborted", code(t, tag(s, stub)))
		assert.Equal(t, 3, stub.Count(), "the SDK's default: 3 attempts")
		cost := (500 - s.QuotaLeft()) / 2
		assert.Positive(t, cost, "two retries spent from the quota")
		assert.Equal(t, 500-2*cost, s.QuotaLeft())

		stub = s3stub.New()
		stub.Default = aborted()
		s = baseline.SDKRetryer(10)
		assert.Equal(t, "OperationAborted", code(t, tag(s, stub)))
		assert.Equal(t, 10, stub.Count())
		assert.Equal(t, 500-9*cost, s.QuotaLeft(), "nine retries, none refunded")
	})
}
