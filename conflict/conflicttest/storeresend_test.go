package conflicttest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// A CompleteMultipartUpload sent again (its first answer lost) is answered
// as S3 and versitygw answer it: 200 with the same ETag and version ID,
// its conditions not checked again, and no second version written. An
// upload that was never completed, or another key's, is still 404
// NoSuchUpload.
func TestCompleteMultipartUploadResent(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	b, k := aws.String("resend"), aws.String("obj")
	s3test.VersionedBucket(t, c, *b)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	require.NoError(t, err)
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("the only part")})
	require.NoError(t, err)
	complete := &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: up.UploadId, IfNoneMatch: aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}}
	first, err := c.CompleteMultipartUpload(ctx, complete)
	require.NoError(t, err)

	again, err := c.CompleteMultipartUpload(ctx, complete)
	require.NoError(t, err, "the resend of a completed upload")
	assert.Equal(t, aws.ToString(first.ETag), aws.ToString(again.ETag))
	assert.Equal(t, aws.ToString(first.VersionId), aws.ToString(again.VersionId))
	assert.Equal(t, []entry{{Key: *k, VersionID: aws.ToString(first.VersionId), Latest: true, Body: "the only part"}},
		versions(t, c, *b), "one version, the first completion's")

	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("other"),
		UploadId: up.UploadId, MultipartUpload: complete.MultipartUpload})
	assert.Equal(t, "NoSuchUpload", s3err.Code(err), "another key's upload")
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k,
		UploadId: aws.String("never-created"), MultipartUpload: complete.MultipartUpload})
	assert.Equal(t, "NoSuchUpload", s3err.Code(err), "an upload never created")
}
