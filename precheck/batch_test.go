package precheck_test

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// The batch check decides the request once per call: a version that
// becomes locked between two passes of the retry loop does not change the
// second pass's body, which would go out with the checksum the SDK cached
// from the first (S3: BadDigest). Every pass sends identical bytes, and
// each checksum matches its body.
func TestLockedVersionBatchDecidesOnce(t *testing.T) {
	holds, deletes := 0, 0 // the stub calls fn under its lock
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		q := r.URL.Query()
		switch {
		case q.Has("object-lock"):
			return s3stub.Answer{Body: `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`}
		case q.Has("legal-hold"):
			holds++
			if strings.HasSuffix(r.URL.Path, "/a") && holds > 2 { // a is put on hold after the first pass
				return s3stub.Answer{Body: `<LegalHold><Status>ON</Status></LegalHold>`}
			}
			return s3stub.Answer{Body: `<LegalHold><Status>OFF</Status></LegalHold>`}
		case q.Has("retention"):
			return s3stub.Error(404, "NoSuchObjectLockConfiguration")
		case q.Has("delete"):
			if deletes++; deletes == 1 {
				return s3stub.Error(409, "OperationAborted")
			}
			return s3stub.Answer{Body: `<DeleteResult><Deleted><Key>b</Key><VersionId>v</VersionId></Deleted></DeleteResult>`}
		}
		return s3stub.OK
	})
	c := stub.Client(retry.OnConflict(func(o *retry.Options) { o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} } }),
		precheck.Enable(func(o *precheck.Options) { o.LockedVersionBatch = precheck.On }))
	_, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("b"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("a"), VersionId: aws.String("v")}, {Key: aws.String("b"), VersionId: aws.String("v")}}}})
	require.NoError(t, err)

	var bodies []string
	for _, r := range stub.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		bodies = append(bodies, string(r.Body))
		sum := crc32.ChecksumIEEE(r.Body)
		want := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum))
		assert.Equal(t, want, r.Header.Get("X-Amz-Checksum-Crc32"), "the checksum is the body's")
	}
	require.Len(t, bodies, 2, "sent twice: OperationAborted, then done")
	assert.Equal(t, bodies[0], bodies[1], "the second pass sends the first pass's request")
}

// Locked keys are left out of the request and reported as S3 reports them;
// the rest are deleted.
func TestLockedVersionBatch(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, true)
	held := s3test.Put(t, p, name, "held", "data")
	s3test.LegalHold(t, p, name, "held", held.VersionId)
	free := s3test.Put(t, p, name, "free", "data")
	c, _ := counted(t, precheck.Enable(func(o *precheck.Options) { o.LockedVersionBatch = precheck.On }))
	in := &s3.DeleteObjectsInput{Bucket: &name, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("held"), VersionId: held.VersionId}, {Key: aws.String("free"), VersionId: free.VersionId}}}}
	out, err := c.DeleteObjects(ctx, in)
	require.NoError(t, err)
	require.Len(t, out.Deleted, 1)
	assert.Equal(t, "free", aws.ToString(out.Deleted[0].Key))
	require.Len(t, out.Errors, 1)
	assert.Equal(t, "held", aws.ToString(out.Errors[0].Key))
	assert.Len(t, in.Delete.Objects, 2, "the caller's input is untouched")
	_, err = p.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &name, Key: aws.String("held"), VersionId: held.VersionId})
	assert.NoError(t, err)

	// The refused key reads as S3's own answer for it.
	own, err := p.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &name, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("held"), VersionId: held.VersionId}}}})
	require.NoError(t, err)
	require.Len(t, own.Errors, 1)
	assert.Equal(t, aws.ToString(own.Errors[0].Code), aws.ToString(out.Errors[0].Code), "S3 says AccessDenied")
}
