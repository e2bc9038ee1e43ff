package integration

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// The answer to CreateMultipartUpload is lost and the SDK resends it: the
// upload the first send started is left open (it cannot be told from
// another writer's), and UploadMultipart names it in its output.
func TestMultipartLostCreateNamesStray(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "CreateMultipartUpload", LoseResponse: true, Times: 1})
		c := b.client(inj, retry.OnConflict(fast))
		bucket := s3test.NewBucket(t, c, false)
		data := bytes.Repeat([]byte("s"), 5<<20+1)
		out, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
			Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("big")},
			Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20})
		require.NoError(t, err)
		assert.Equal(t, 2, inj.Count("CreateMultipartUpload"), "sent twice")
		stray, ok := retry.StrayUploadsOf(out.ResultMetadata)
		require.True(t, ok, "the upload left open is named")
		open, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
		require.NoError(t, err)
		require.Len(t, open.Uploads, 1)
		assert.Equal(t, []string{aws.ToString(open.Uploads[0].UploadId)}, stray.UploadIDs)
	})
}
