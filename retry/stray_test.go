package retry_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// openUploads lists the in-progress uploads of the bucket.
func openUploads(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	l, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	require.NoError(t, err)
	var ids []string
	for _, u := range l.Uploads {
		ids = append(ids, aws.ToString(u.UploadId))
	}
	return ids
}

// The response to CreateMultipartUpload is lost and the SDK resends it:
// the first send started an upload the call never heard of. Another
// writer's upload of the same key is in progress too, and nothing S3 lists
// tells the two apart: neither is aborted (the other writer's parts are
// kept), and both are named to the caller — on success in the output's
// ResultMetadata, on failure in the error — so that no upload of the call
// stays open unknown. Without a resend nothing is listed or named.
func TestUploadMultipartLostCreateNamesStrays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		lost, fail bool
	}{{"lost create", true, false}, {"lost create then refused", true, true}, {"no resend", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, bucket := serve(t, retry.OnConflict(fast))
			ctx := context.Background()
			key := aws.String("k")
			if tc.fail {
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: key, Body: bytes.NewReader(nil)})
				require.NoError(t, err)
			}
			theirs, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: key})
			require.NoError(t, err)
			srv.Faults.Reset()
			if tc.lost {
				srv.Faults.Add(conflicttest.Fault{Operation: "CreateMultipartUpload", LoseResponse: true, Times: 1})
			}
			data := bytes.Repeat([]byte("a"), 5<<20+1)
			out, err := retry.UploadMultipart(ctx, c, retry.MultipartUpload{
				Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: key},
				Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20, IfNoneMatch: aws.String("*")})
			lists := srv.Faults.Count("ListMultipartUploads")

			open := openUploads(t, c, bucket)
			assert.Contains(t, open, aws.ToString(theirs.UploadId), "another writer's upload is never aborted")
			if !tc.lost {
				require.NoError(t, err)
				_, ok := retry.StrayUploadsOf(out.ResultMetadata)
				assert.False(t, ok)
				assert.Zero(t, lists, "nothing to look for")
				return
			}
			require.Len(t, open, 2, "ours (unknown to the call) and theirs")
			var stray *retry.StrayUploads
			if tc.fail {
				var ae smithy.APIError
				require.ErrorAs(t, err, &ae, "S3's refusal comes back")
				assert.Equal(t, "PreconditionFailed", ae.ErrorCode())
				require.True(t, errors.As(err, &stray), "the leftover is named in the error")
			} else {
				require.NoError(t, err)
				var ok bool
				stray, ok = retry.StrayUploadsOf(out.ResultMetadata)
				require.True(t, ok, "the leftover is named in the output")
			}
			assert.Equal(t, bucket, stray.Bucket)
			assert.Equal(t, "k", stray.Key)
			assert.ElementsMatch(t, open, stray.UploadIDs, "every open upload that may be ours is named")
		})
	}
}
