package conflicttest_test

import (
	"bytes"
	"context"
	"io"
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
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// Multipart uploads as S3 does them: parts listed, the completion's
// conditions checked (If-None-Match "*" on an existing key: 412, the
// upload kept), parts under 5 MiB refused but for the last, abort final.
func TestStoreMultipart(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	b, k := aws.String("uploads"), aws.String("big")
	mkBucket(t, c, *b)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	require.NoError(t, err)
	first := bytes.Repeat([]byte("a"), 5<<20)
	var parts []types.CompletedPart
	for i, body := range [][]byte{first, []byte("tail")} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(body)})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	listed, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: k, UploadId: up.UploadId})
	require.NoError(t, err)
	require.Len(t, listed.Parts, 2)
	assert.Equal(t, int64(4), aws.ToInt64(listed.Parts[1].Size))

	s3test.Put(t, c, *b, *k, "already here")
	complete := func(parts []types.CompletedPart, ifNoneMatch *string) (*s3.CompleteMultipartUploadOutput, error) {
		return c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: up.UploadId,
			IfNoneMatch: ifNoneMatch, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	}
	_, err = complete(parts, aws.String("*"))
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(err), "the key exists")
	uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	require.NoError(t, err)
	require.Len(t, uploads.Uploads, 1, "a refused completion keeps the upload")

	_, err = complete([]types.CompletedPart{{ETag: parts[1].ETag, PartNumber: aws.Int32(1)}, parts[1]}, nil)
	assert.Equal(t, "InvalidPart", s3err.Code(err))
	out, err := complete(parts, nil)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(aws.ToString(out.ETag), `-2"`), aws.ToString(out.ETag))
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: k})
	require.NoError(t, err)
	body, _ := io.ReadAll(got.Body)
	_ = got.Body.Close()
	assert.Equal(t, append(first, "tail"...), body, "exactly the parts, in order")
	uploads, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	require.NoError(t, err)
	assert.Empty(t, uploads.Uploads)

	small, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("small")})
	require.NoError(t, err)
	var smallParts []types.CompletedPart
	for i := range 2 {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("small"), UploadId: small.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: strings.NewReader("tiny")})
		require.NoError(t, err)
		smallParts = append(smallParts, types.CompletedPart{ETag: p.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("small"), UploadId: small.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: smallParts}})
	assert.Equal(t, "EntityTooSmall", s3err.Code(err))
	assert.Equal(t, 400, s3err.Status(err))
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("small"), UploadId: small.UploadId})
	require.NoError(t, err)
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: aws.String("small"), UploadId: small.UploadId})
	assert.Equal(t, "NoSuchUpload", s3err.Code(err))
}

// An object completed from parts has S3's multipart ETag ("md5-N") in every
// answer, not the MD5 of its body: HeadObject, GetObject, the listings;
// If-Match takes it, on PutObject and DeleteObject. A copy of it is a plain
// object with the MD5 of its body.
func TestStoreMultipartETag(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	b, k := aws.String("mp-etag"), aws.String("big")
	mkBucket(t, c, *b)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k,
		Metadata: map[string]string{"team": "a"}})
	require.NoError(t, err)
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: up.UploadId, PartNumber: aws.Int32(1),
		Body: strings.NewReader("only part")})
	require.NoError(t, err)
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	require.NoError(t, err)
	etag := aws.ToString(done.ETag)
	require.True(t, strings.HasSuffix(etag, `-1"`), etag)

	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: k})
	require.NoError(t, err)
	assert.Equal(t, etag, aws.ToString(head.ETag))
	assert.Equal(t, map[string]string{"team": "a"}, head.Metadata, "nothing of the store's own")
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: k})
	require.NoError(t, err)
	got.Body.Close()
	assert.Equal(t, etag, aws.ToString(got.ETag))
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	require.NoError(t, err)
	require.Len(t, list.Contents, 1)
	assert.Equal(t, etag, aws.ToString(list.Contents[0].ETag))

	copied, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String(*b + "/" + *k)})
	require.NoError(t, err)
	chead, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("copy")})
	require.NoError(t, err)
	assert.NotContains(t, aws.ToString(chead.ETag), "-", "a copy is no multipart object")
	assert.Equal(t, aws.ToString(copied.CopyObjectResult.ETag), aws.ToString(chead.ETag))
	assert.Equal(t, map[string]string{"team": "a"}, chead.Metadata)

	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: k, Body: strings.NewReader("next"), IfMatch: aws.String(etag)})
	require.NoError(t, err, "If-Match takes the multipart ETag")
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: k, Body: strings.NewReader("again"), IfMatch: aws.String(etag)})
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(err), "no longer the object's")
}

// CopyObject's conditions on its destination, as S3 checks them: If-Match
// with the destination's ETag copies, with another ETag is 412, on a
// missing key 404; If-None-Match "*" copies only onto a missing key.
func TestStoreCopyConditions(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	b := aws.String("copies")
	mkBucket(t, c, *b)
	s3test.Put(t, c, *b, "src", "source")
	dst := s3test.Put(t, c, *b, "dst", "theirs")
	cp := func(key string, ifMatch, ifNoneMatch *string) error {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String(key), CopySource: aws.String(*b + "/src"),
			IfMatch: ifMatch, IfNoneMatch: ifNoneMatch})
		return err
	}
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(cp("dst", nil, aws.String("*"))))
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(cp("dst", aws.String(`"00000000000000000000000000000000"`), nil)))
	assert.Equal(t, "NoSuchKey", s3err.Code(cp("missing", aws.String(aws.ToString(dst.ETag)), nil)))
	assert.Equal(t, "theirs", body(t, c, *b, "dst", nil), "refused copies wrote nothing")
	require.NoError(t, cp("dst", dst.ETag, nil))
	assert.Equal(t, "source", body(t, c, *b, "dst", nil))
	require.NoError(t, cp("fresh", nil, aws.String("*")))
	assert.Equal(t, "source", body(t, c, *b, "fresh", nil))
}
