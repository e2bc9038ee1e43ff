package retry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attacks on 6bc25ff that must hold: a CompleteMultipartUpload (proved by
// the multipart ETag) and a CopyObject with MetadataDirective COPY (no
// token) with If-Match land, their answer is lost, another writer
// overwrites the key on a versioned bucket, and the resend is refused.
// Never a plain refusal.
func TestAttack2LandedNoTokenNeverPlainLostRace(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"complete", "copy"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := conflicttest.NewServer(t)
			other := srv.Client()
			bucket, key := aws.String("bkt"), aws.String("k")
			s3test.VersionedBucket(t, other, *bucket)
			v0 := s3test.Put(t, other, *bucket, *key, "v0")
			s3test.Put(t, other, *bucket, "src", "source")
			method := map[string]string{"complete": http.MethodPost, "copy": http.MethodPut}[op]
			hook := &loseThen{match: func(r *http.Request) bool {
				return r.Method == method && strings.HasSuffix(r.URL.Path, "/k") && (op == "copy" || r.URL.Query().Has("uploadId"))
			},
				then: func() {
					_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("theirs")})
					assert.NoError(t, err)
				}}
			c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
			switch op {
			case "complete":
				mu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
				require.NoError(t, err)
				p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: key, UploadId: mu.UploadId, PartNumber: aws.Int32(1),
					Body: strings.NewReader("mine")})
				require.NoError(t, err)
				_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key, UploadId: mu.UploadId,
					IfMatch: v0.ETag, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: p.ETag, PartNumber: aws.Int32(1)}}}})
				require.True(t, hook.done.Load())
				if err != nil {
					assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "our write landed: never a plain %v", err)
				}
				t.Logf("complete: %v", err)
			case "copy":
				_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: key, CopySource: aws.String("bkt/src"),
					MetadataDirective: types.MetadataDirectiveCopy, IfMatch: v0.ETag})
				require.True(t, hook.done.Load())
				require.Error(t, err)
				assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "our copy landed: never a plain %v", err)
			}
		})
	}
}

// The in-process server must refuse a CopyObject whose If-Match or
// If-None-Match (conditions on the destination) does not hold, as S3 does
// (412), or answer 501 for what it does not serve: a copy that silently
// overwrites hides lost races from every test built on it.
func TestAttack2ConflicttestCopyIfMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	bucket := aws.String("bkt")
	s3test.CreateBucket(t, c, *bucket)
	for k, v := range map[string]string{"k": "theirs", "src": "source"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(k), Body: strings.NewReader(v)})
		require.NoError(t, err)
	}
	for _, cond := range []struct{ ifMatch, ifNoneMatch *string }{{ifMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}, {ifNoneMatch: aws.String("*")}} {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("k"), CopySource: aws.String("bkt/src"),
			IfMatch: cond.ifMatch, IfNoneMatch: cond.ifNoneMatch})
		assert.Error(t, err, "a copy whose condition fails is refused (412), or not served (501)")
		assert.Equal(t, "theirs", get(t, c, "bkt", "k"), "the object was overwritten despite the condition")
	}
}
