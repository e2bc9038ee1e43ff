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

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// With the request checksums config.LoadDefaultConfig turns on (WhenSupported:
// the SDK adds a CRC32 to every part), an upload created without a checksum
// algorithm completes: the completion lists no part checksums S3 was not
// asked to keep (versitygw answers them InvalidPart); one created with an
// algorithm lists them.
func TestMultipartDefaultChecksums(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported })
		bucket := s3test.NewBucket(t, c, false)
		data := make([]byte, 5<<20+1000)
		_, _ = rand.Read(data)
		for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmSha256} {
			t.Run(string(alg), func(t *testing.T) {
				key := "big-" + string(alg)
				_, err := retry.UploadMultipart(context.Background(), c, retry.MultipartUpload{
					Create: &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key, ChecksumAlgorithm: alg},
					Body:   bytes.NewReader(data), Size: int64(len(data)), PartSize: 5 << 20})
				require.NoError(t, err)
				got, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
				require.NoError(t, err)
				stored, err := io.ReadAll(got.Body)
				got.Body.Close()
				require.NoError(t, err)
				assert.True(t, bytes.Equal(data, stored), "stored %d bytes, sent %d", len(stored), len(data))
			})
		}
	})
}
