package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

func openUploads(t *testing.T, c *s3.Client, bucket string) int {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	require.NoError(t, err)
	return len(out.Uploads)
}

// A completion answered ConditionalRequestConflict cannot be retried: the
// helper aborts the dead upload and starts again, and the object ends
// complete and intact with no upload left open.
func TestMultipartRestart(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "CompleteMultipartUpload", Code: "ConditionalRequestConflict", Times: 2})
		c := b.client(inj, retry.OnConflict(fast))
		bucket := s3test.NewBucket(t, c, false)
		data := make([]byte, 5<<20+1000)
		_, _ = rand.Read(data)
		out, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
			Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("big")},
			Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20, IfNoneMatch: aws.String("*")})
		require.NoError(t, err)
		assert.NotEmpty(t, aws.ToString(out.ETag))
		assert.Equal(t, 3, inj.Count("CreateMultipartUpload"), "two restarts")
		assert.Equal(t, 2, inj.Count("AbortMultipartUpload"), "each dead upload aborted")
		got, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("big")})
		require.NoError(t, err)
		stored, err := io.ReadAll(got.Body)
		got.Body.Close()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, stored), "stored %d bytes, sent %d", len(stored), len(data))
		assert.Zero(t, openUploads(t, c, bucket), "no upload left open (and billed)")
	})
}

// Restarts run out: the error names the last upload, already aborted.
// Without the helper, the client's OnConflict returns RestartUpload with
// the upload to abort.
func TestMultipartRestartGivesUp(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "CompleteMultipartUpload", Code: "ConditionalRequestConflict"})
		c := b.client(inj, retry.OnConflict(fast))
		bucket := s3test.NewBucket(t, c, false)
		_, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
			Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
			Body:   bytes.NewReader([]byte("small")), Size: 5, MaxRestarts: 1})
		require.ErrorIs(t, err, conflict.RestartUpload)
		require.ErrorIs(t, err, retry.ErrMaxAttempts)
		var ce *conflict.Error
		require.ErrorAs(t, err, &ce)
		assert.NotEmpty(t, ce.UploadID)
		assert.Equal(t, 2, ce.Attempts)
		assert.Zero(t, openUploads(t, c, bucket))

		// By hand: the error says which upload to abort.
		up, err := c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")})
		require.NoError(t, err)
		part, err := c.UploadPart(context.Background(), &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("k"),
			UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("small"))})
		require.NoError(t, err)
		_, err = c.CompleteMultipartUpload(context.Background(), &s3.CompleteMultipartUploadInput{Bucket: &bucket,
			Key: aws.String("k"), UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{
				Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
		require.ErrorIs(t, err, conflict.RestartUpload)
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, aws.ToString(up.UploadId), ce.UploadID)
		_, err = c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{Bucket: &bucket,
			Key: aws.String("k"), UploadId: &ce.UploadID})
		require.NoError(t, err)
		assert.Zero(t, openUploads(t, c, bucket))
	})
}

// A lost race on the completion's condition is reported, and the upload
// is aborted.
func TestMultipartConditionLost(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict(fast))
		bucket := s3test.NewBucket(t, c, false)
		s3test.Put(t, c, bucket, "k", "first")
		_, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
			Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
			Body:   bytes.NewReader([]byte("second")), Size: 6, IfNoneMatch: aws.String("*")})
		require.ErrorIs(t, err, conflict.PreconditionFailed)
		assert.Zero(t, openUploads(t, c, bucket))
	})
}

// A restarted upload whose completion is answered 412 is not a clean lost
// race when an earlier completion of the call may have landed: here the
// first completion lands and its answer is lost, the SDK's resend meets
// ConditionalRequestConflict, the helper restarts, and the restarted
// upload's completion meets our own object. The object (the multipart ETag
// of the first upload's parts) proves it ours. Found by TestChaos. With no
// lost answer, the same restart that meets a stranger's object is a clean
// lost race.
func TestMultipartRestartAfterLostCompletion(t *testing.T) {
	b := versity(t)
	for _, tc := range []struct {
		name   string
		lose   bool
		exists bool
	}{{"ours-landed", true, false}, {"theirs", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var faults []conflicttest.Fault
			if tc.lose {
				faults = append(faults, conflicttest.Fault{Operation: "CompleteMultipartUpload", LoseResponse: true, Times: 1})
			}
			inj := conflicttest.NewInjector(1, append(faults,
				conflicttest.Fault{Operation: "CompleteMultipartUpload", Code: "ConditionalRequestConflict", Times: 1})...)
			c := b.client(inj, retry.OnConflict(fast), s3test.QuickSDKRetries)
			plain := b.client(nil)
			bucket := s3test.NewBucket(t, plain, false)
			if tc.exists {
				s3test.Put(t, plain, bucket, "k", "theirs")
			}
			_, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
				Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
				Body:   bytes.NewReader([]byte("ours")), Size: 4, IfNoneMatch: aws.String("*")})
			assert.Equal(t, 2, inj.Count("CreateMultipartUpload"), "restarted once")
			if tc.lose {
				require.NoError(t, err, "our own first completion is not a lost race")
			} else {
				require.ErrorIs(t, err, conflict.PreconditionFailed)
				assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite, "no completion was sent twice")
			}
			got, err := plain.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
			require.NoError(t, err)
			body, _ := io.ReadAll(got.Body)
			got.Body.Close()
			assert.Equal(t, map[bool]string{true: "theirs", false: "ours"}[tc.exists], string(body))
			assert.Zero(t, openUploads(t, plain, bucket))
		})
	}
}

// Every answer to the completion is lost: it landed at the first send, and
// the SDK's resends ran out with a transport error. The object is ours,
// with the multipart ETag of our parts: UploadMultipart reports success
// with that object's ETag, not the transport error (it did before, with
// the object complete), and no upload stays open.
func TestMultipartCompletionLandedUnanswered(t *testing.T) {
	both(t, multipartCompletionLandedUnanswered)
}

func multipartCompletionLandedUnanswered(t *testing.T, b backend) {
	inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "CompleteMultipartUpload", LoseResponse: true})
	c := b.client(inj, retry.OnConflict(fast), s3test.QuickSDKRetries)
	plain := b.client(nil)
	bucket := s3test.NewBucket(t, plain, false)
	data := bytes.Repeat([]byte("y"), 5<<20+10)
	out, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
		Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("k")},
		Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, inj.Count("CompleteMultipartUpload"), 2, "every send's answer was lost")
	head, err := plain.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(head.ETag), aws.ToString(out.ETag))
	assert.Equal(t, int64(len(data)), aws.ToInt64(head.ContentLength))
	assert.Zero(t, openUploads(t, plain, bucket))
}
