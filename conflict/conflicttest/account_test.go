package conflicttest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// Two accounts on the in-process server: one's own bucket is already
// owned, the other's name is taken, and the other's bucket is closed.
func TestServerAccounts(t *testing.T) {
	srv := conflicttest.NewServer(t)
	me, other := srv.Client(), srv.OtherClient()
	ctx := context.Background()
	mkBucket(t, me, "mine")
	mkBucket(t, other, "theirs")

	_, err := me.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	var owned *types.BucketAlreadyOwnedByYou
	assert.True(t, errors.As(err, &owned), "re-creating one's own: %v", err)
	assert.Equal(t, conflict.AlreadyOwned, conflict.Classify(err))
	_, err = srv.Client(retry.OnConflict()).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	assert.NoError(t, err, "retry accepts an owned bucket")

	_, err = me.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("theirs")})
	var exists *types.BucketAlreadyExists
	assert.True(t, errors.As(err, &exists), "another account's name: %v", err)
	assert.Equal(t, conflict.NameTaken, conflict.Classify(err))

	_, err = me.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("theirs")})
	assert.Equal(t, 403, s3err.Status(err))
	_, err = me.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("theirs"), Key: aws.String("k"), Body: strings.NewReader("x")})
	assert.Equal(t, "AccessDenied", s3err.Code(err))
	_, err = me.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("theirs")})
	assert.Equal(t, "AccessDenied", s3err.Code(err))

	list, err := me.ListBuckets(ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	require.Len(t, list.Buckets, 1)
	assert.Equal(t, "mine", aws.ToString(list.Buckets[0].Name))
	assert.False(t, aws.ToTime(list.Buckets[0].CreationDate).IsZero())
}
