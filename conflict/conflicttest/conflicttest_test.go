package conflicttest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

// versioning is a bucket-configuration write the in-process server supports.
func versioning(bucket string) *s3.PutBucketVersioningInput {
	return &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}
}

func mkBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)})
	require.NoError(t, err)
}

func TestServerServesS3(t *testing.T) {
	srv := conflicttest.NewServer(t)
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	c := srv.Client()
	ctx := context.Background()
	mkBucket(t, c, "data")
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello")})
	require.NoError(t, err)
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("a/b.txt")})
	require.NoError(t, err)
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(body))

	recs := srv.Faults.Records()
	require.Len(t, recs, 3)
	assert.Equal(t, []string{"CreateBucket", "PutObject", "GetObject"}, []string{recs[0].Operation, recs[1].Operation, recs[2].Operation})
	assert.Equal(t, "a/b.txt", recs[2].Key)
	assert.False(t, recs[1].Injected)
}

func TestFaultAnswersFirstN(t *testing.T) {
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{
		Operation: "PutBucketVersioning", Bucket: "logs-*", Code: "OperationAborted", Times: 2}))
	c := srv.Client()
	ctx := context.Background()
	mkBucket(t, c, "logs-1")
	mkBucket(t, c, "other")

	_, err := c.PutBucketVersioning(ctx, versioning("other"))
	require.NoError(t, err, "the bucket pattern does not match")
	for range 2 {
		_, err = c.PutBucketVersioning(ctx, versioning("logs-1"))
		var ae smithy.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "OperationAborted", ae.ErrorCode())
		assert.Equal(t, conflict.Transient, conflict.Classify(err))
		var re interface{ ServiceRequestID() string }
		require.ErrorAs(t, err, &re)
		assert.NotEmpty(t, re.ServiceRequestID())
	}
	_, err = c.PutBucketVersioning(ctx, versioning("logs-1"))
	require.NoError(t, err, "only the first two matches are answered")

	var injected []conflicttest.Record
	for _, r := range srv.Faults.Records() {
		if r.Injected {
			injected = append(injected, r)
		}
	}
	require.Len(t, injected, 2)
	assert.Equal(t, 409, injected[0].Status)
	assert.Equal(t, "OperationAborted", injected[0].Code)
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	pattern := func() string {
		srv := conflicttest.NewServer(t, conflicttest.WithSeed(42), conflicttest.WithFaults(conflicttest.Fault{
			Operation: "HeadBucket", Status: 409, Probability: 0.5}))
		c := srv.Client()
		mkBucket(t, c, "bucket")
		var b strings.Builder
		for range 40 {
			_, err := c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("bucket")})
			if err != nil {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := pattern(), pattern()
	assert.Equal(t, a, b, "same seed, same choices")
	n := strings.Count(a, "x")
	assert.True(t, n > 5 && n < 35, "about half the requests fail: %s", a)
}

// A lost response: the write happens, the client hears nothing, and the
// SDK's own retryer sends it again.
func TestLostResponseServerSide(t *testing.T) {
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Times: 1}))
	c := srv.Client()
	mkBucket(t, c, "bucket")
	ctx := context.Background()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("k"), Body: strings.NewReader("v1"),
		IfNoneMatch: aws.String("*")})
	// Without the retry layer the SDK's resend meets our own write.
	require.Error(t, err)
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(err))
	recs := srv.Faults.Records()
	require.Len(t, recs, 3)
	assert.True(t, recs[1].Lost)
	assert.Equal(t, 412, recs[2].Status)
}

func TestClientSideInjector(t *testing.T) {
	srv := conflicttest.NewServer(t)
	inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "DeleteBucket", Code: "BucketNotEmpty", Times: 1},
		conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Times: 1})
	c := srv.Client(func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) })
	mkBucket(t, c, "bucket")
	ctx := context.Background()
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bucket")})
	assert.Equal(t, conflict.NotEmpty, conflict.Classify(err))
	assert.Empty(t, srv.Faults.Records()[1:], "the injected answer never reached the server")

	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("k"), Body: strings.NewReader("v")})
	require.NoError(t, err, "an unconditional write is simply resent by the SDK")
	assert.Equal(t, 2, srv.Faults.Count("PutObject"), "the lost write reached the server, then the resend")
	recs := inj.Records()
	assert.True(t, recs[len(recs)-2].Lost)
}

func TestOperationNames(t *testing.T) {
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	copyHdr := http.Header{"X-Amz-Copy-Source": {"/src/k"}}
	tests := []struct {
		method, bucket, key, query string
		header                     http.Header
		want                       string
	}{
		{"GET", "", "", "", nil, "ListBuckets"},
		{"PUT", "b", "", "", nil, "CreateBucket"},
		{"DELETE", "b", "", "", nil, "DeleteBucket"},
		{"HEAD", "b", "", "", nil, "HeadBucket"},
		{"GET", "b", "", "list-type=2", nil, "ListObjectsV2"},
		{"GET", "b", "", "versions", nil, "ListObjectVersions"},
		{"PUT", "b", "", "tagging", nil, "PutBucketTagging"},
		{"PUT", "b", "", "versioning", nil, "PutBucketVersioning"},
		{"PUT", "b", "", "object-lock", nil, "PutObjectLockConfiguration"},
		{"DELETE", "b", "", "lifecycle", nil, "DeleteBucketLifecycle"},
		{"GET", "b", "", "location", nil, "GetBucketLocation"},
		{"POST", "b", "", "delete", nil, "DeleteObjects"},
		{"PUT", "b", "k", "", nil, "PutObject"},
		{"PUT", "b", "k", "", copyHdr, "CopyObject"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", nil, "UploadPart"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", copyHdr, "UploadPartCopy"},
		{"POST", "b", "k", "uploads", nil, "CreateMultipartUpload"},
		{"POST", "b", "k", "uploadId=u", nil, "CompleteMultipartUpload"},
		{"DELETE", "b", "k", "uploadId=u", nil, "AbortMultipartUpload"},
		{"POST", "b", "k", "restore", nil, "RestoreObject"},
		{"GET", "b", "k", "retention", nil, "GetObjectRetention"},
		{"PUT", "b", "k", "legal-hold", nil, "PutObjectLegalHold"},
		{"HEAD", "b", "k", "", nil, "HeadObject"},
		{"DELETE", "b", "k", "versionId=v", nil, "DeleteObject"},
	}
	for _, tt := range tests {
		got := conflicttest.Operation(tt.method, tt.bucket, tt.key, q(tt.query), tt.header)
		assert.Equal(t, tt.want, got, "%s /%s/%s?%s", tt.method, tt.bucket, tt.key, tt.query)
	}
}

func TestInjectedErrorIsAnS3Error(t *testing.T) {
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Operation: "CreateBucket", Code: "BucketAlreadyExists"}))
	_, err := srv.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("taken")})
	var modeled *types.BucketAlreadyExists
	require.True(t, errors.As(err, &modeled), "the SDK deserializes it into its modeled error: %v", err)
	assert.Equal(t, conflict.NameTaken, conflict.Classify(err))
}

// policyDoc is a bucket policy that denies deleting the bucket.
func policyDoc(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::` + bucket + `"}]}`
}
