package conflicttest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// The in-process server limits user metadata as S3 does: 2 KB (2048
// bytes) of keys and values, counted without the x-amz-meta- prefix, in
// UTF-8 bytes; no other header counts. One byte more answers 400
// MetadataTooLarge, on PutObject, CopyObject with REPLACE and
// CreateMultipartUpload alike.
func TestServerMetadataLimitIsS3s(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	mkBucket(t, c, "meta")
	s3test.Put(t, c, "meta", "src", "source")
	sized := map[string]map[string]string{
		"ascii": {"k": strings.Repeat("a", 2047)},
		"utf8":  {"kk": strings.Repeat("é", 1023)}, // 2 + 2046 bytes
		"two":   {"a": strings.Repeat("x", 1023), "b": strings.Repeat("y", 1023)},
		"upper": {"KEY": strings.Repeat("a", 2045)},
	}
	ops := map[string]func(md map[string]string) error{
		"PutObject": func(md map[string]string) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("put"),
				Body: strings.NewReader("x"), Metadata: md})
			return err
		},
		"CopyObject": func(md map[string]string) error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("meta"), Key: aws.String("copy"),
				CopySource: aws.String("meta/src"), Metadata: md, MetadataDirective: types.MetadataDirectiveReplace})
			return err
		},
		"CreateMultipartUpload": func(md map[string]string) error {
			_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("meta"),
				Key: aws.String("mpu"), Metadata: md})
			return err
		},
	}
	for op, send := range ops {
		for name, md := range sized {
			require.NoError(t, send(md), "%s %s: 2048 bytes", op, name)
			over := map[string]string{}
			for k, v := range md {
				over[k] = v
			}
			for k := range md {
				over[k] += "!" // one value one byte longer: 2049 bytes
				break
			}
			err := send(over)
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae, "%s %s: 2049 bytes", op, name)
			assert.Equal(t, "MetadataTooLarge", ae.ErrorCode(), "%s %s", op, name)
			var re *smithyhttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode(), "%s %s", op, name)
		}
	}
	require.NoError(t, ops["PutObject"](sized["ascii"]))
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("put")})
	require.NoError(t, err)
	assert.Equal(t, sized["ascii"], out.Metadata, "a 2048-byte write stored whole")
}
