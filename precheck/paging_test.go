package precheck_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
)

// stuckLists answers every listing as truncated with the same next marker
// and nothing in it, as a broken store might; after 50 listings it
// answers 400, so that a loop that never ends still ends the test.
func stuckLists() *s3stub.Stub {
	lists := 0 // the stub calls fn under its lock
	return s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		q := r.URL.Query()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return s3stub.Answer{Status: 204}
		}
		if r.Method == http.MethodHead {
			return s3stub.OK
		}
		if lists++; lists > 50 {
			return s3stub.Error(400, "InvalidArgument")
		}
		switch {
		case r.URL.Path == "/": // ListBuckets
			return s3stub.Answer{Body: `<ListAllMyBucketsResult><Buckets></Buckets><ContinuationToken>same</ContinuationToken></ListAllMyBucketsResult>`}
		case q.Has("versions"):
			return s3stub.Answer{Body: `<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextVersionIdMarker>v</NextVersionIdMarker></ListVersionsResult>`}
		case q.Has("uploads"):
			return s3stub.Answer{Body: `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker></ListMultipartUploadsResult>`}
		}
		return s3stub.OK
	})
}

// A listing that does not advance ends the check at once: ownership stays
// unproven, EmptyFirst stops with an error; never an endless loop.
func TestStuckListingsEnd(t *testing.T) {
	stub := stuckLists()
	_, err := stub.Client(precheck.Enable()).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")})
	require.ErrorIs(t, err, precheck.ErrOwnershipUnproven)
	assert.Equal(t, 3, stub.Count(), "HeadBucket, ListBuckets twice")

	stub = stuckLists()
	_, err = stub.Client(precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true })).
		DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
	var pe *precheck.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, stub.Count(), "ListObjectVersions twice, DeleteBucket never sent")
}
