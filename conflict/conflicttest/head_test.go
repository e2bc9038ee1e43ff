package conflicttest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// HeadObject answers what GetObject's headers answer, for the latest
// version and for an older one by ID: its ETag, size, version ID and user
// metadata (the retry package proves a versioned write by the token in an
// older version's metadata).
func TestHeadObjectAnswersGetObjectsHeaders(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	s3test.VersionedBucket(t, c, "heads")
	first, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("heads"), Key: aws.String("k"),
		Body: strings.NewReader("first"), Metadata: map[string]string{"token": "T1"}})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("heads"), Key: aws.String("k"),
		Body: strings.NewReader("second!"), Metadata: map[string]string{"token": "T2"}})
	require.NoError(t, err)

	for _, id := range []*string{nil, first.VersionId} {
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("heads"), Key: aws.String("k"), VersionId: id})
		require.NoError(t, err)
		get.Body.Close()
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("heads"), Key: aws.String("k"), VersionId: id})
		require.NoError(t, err)
		assert.Equal(t, get.Metadata, head.Metadata, "version %v", aws.ToString(id))
		assert.Equal(t, aws.ToString(get.ETag), aws.ToString(head.ETag), "version %v", aws.ToString(id))
		assert.Equal(t, aws.ToString(get.VersionId), aws.ToString(head.VersionId), "version %v", aws.ToString(id))
		assert.Equal(t, aws.ToInt64(get.ContentLength), aws.ToInt64(head.ContentLength), "version %v", aws.ToString(id))
		assert.Equal(t, get.LastModified, head.LastModified, "version %v", aws.ToString(id))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("heads"), Key: aws.String("k"), VersionId: first.VersionId})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"token": "T1"}, head.Metadata)
	assert.Equal(t, first.ETag, head.ETag)
	assert.Equal(t, int64(len("first")), aws.ToInt64(head.ContentLength))
}
