package retry_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// cancelAfterPart cancels the upload's context once its first part is in.
type cancelAfterPart struct {
	*s3.Client
	cancel context.CancelFunc
}

func (c cancelAfterPart) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	out, err := c.Client.UploadPart(ctx, in, optFns...)
	c.cancel()
	return out, err
}

// The caller gives up midway: the upload is aborted all the same, so no
// part stays billed, and the context's error comes back.
func TestUploadMultipartCancelledAborts(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t, retry.OnConflict())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := bytes.Repeat([]byte("x"), 5<<20+10)
	_, err := retry.UploadMultipart(ctx, cancelAfterPart{c, cancel}, retry.MultipartUpload{
		Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
		Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.Faults.Count("AbortMultipartUpload"))
	open, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	require.NoError(t, err)
	assert.Empty(t, open.Uploads)
}

func TestUploadMultipartBadInput(t *testing.T) {
	t.Parallel()
	_, c, bucket := serve(t)
	for _, tc := range []struct {
		name string
		give retry.MultipartUpload
	}{
		{"no create", retry.MultipartUpload{Body: bytes.NewReader(nil)}},
		{"no key", retry.MultipartUpload{Create: &s3.CreateMultipartUploadInput{Bucket: &bucket}, Body: bytes.NewReader(nil)}},
		{"no body", retry.MultipartUpload{Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")}}},
		{"negative size", retry.MultipartUpload{Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
			Body: bytes.NewReader(nil), Size: -1}},
		{"too many parts", retry.MultipartUpload{Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
			Body: bytes.NewReader(nil), Size: 10001, PartSize: 1}},
	} {
		_, err := retry.UploadMultipart(context.Background(), c, tc.give)
		assert.Error(t, err, tc.name)
	}
	open, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	require.NoError(t, err)
	assert.Empty(t, open.Uploads, "refused before sending")
}

// The completion never reached the store (500s before it, every send):
// the upload is aborted and the 500 comes back; the key stays absent.
func TestUploadMultipartCompletionRefusedIsNoSuccess(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Operation: "CompleteMultipartUpload",
		Status: 500, Code: "InternalError"}))
	c := srv.Client(s3test.QuickSDKRetries, retry.OnConflict())
	bucket := s3test.NewBucket(t, c, false)
	data := bytes.Repeat([]byte("y"), 10)
	_, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
		Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
		Body:   bytes.NewReader(data), Size: int64(len(data))})
	require.Error(t, err)
	assert.Equal(t, "InternalError", s3err.Code(err))
	_, herr := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")})
	assert.Error(t, herr, "nothing was written")
	assert.Equal(t, 1, srv.Faults.Count("AbortMultipartUpload"))
}
