package conflicttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// A user's test starts the real server through the public API alone: a
// bucket the second account created is someone else's name to the first
// (BucketAlreadyExists, conflict.NameTaken), and its own is already owned.
func TestRealServerAccounts(t *testing.T) {
	srv := conflicttest.NewRealServer(t)
	ctx := context.Background()
	name := aws.String("belongs-to-other")
	_, err := srv.OtherClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	require.NoError(t, err)

	_, err = srv.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	var exists *types.BucketAlreadyExists
	assert.True(t, errors.As(err, &exists), "the SDK's modeled error: %v", err)
	assert.Equal(t, conflict.NameTaken, conflict.Classify(err))

	_, err = srv.Client(retry.OnConflict()).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	assert.ErrorIs(t, err, conflict.NameTaken, "retry stops at a name taken")

	_, err = srv.OtherClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	var owned *types.BucketAlreadyOwnedByYou
	assert.True(t, errors.As(err, &owned), "re-creating one's own: %v", err)
}

// The faults sit in front of the real server, on the client side.
func TestRealServerFaults(t *testing.T) {
	srv := conflicttest.NewRealServer(t, conflicttest.WithFaults(conflicttest.Fault{
		Operation: "PutBucketVersioning", Code: "OperationAborted", Times: 2}))
	ctx := context.Background()
	c := srv.Client(retry.OnConflict(fast))
	mkBucket(t, c, "stormy")
	_, err := c.PutBucketVersioning(ctx, versioning("stormy"))
	require.NoError(t, err, "two injected OperationAborted, then the real answer")
	out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("stormy")})
	require.NoError(t, err)
	assert.Equal(t, types.BucketVersioningStatusEnabled, out.Status)
	assert.Equal(t, 3, srv.Faults.Count("PutBucketVersioning"))
	injected := 0
	for _, r := range srv.Faults.Records() {
		if r.Injected {
			injected++
		}
	}
	assert.Equal(t, 2, injected)
}

// fast is a short backoff for tests that inject a few conflicts.
func fast(o *retry.Options) {
	o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(5 * time.Millisecond) }
}
