package precheck_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/precheck"
)

// Where ListObjectVersions is not supported (501), EmptyFirst lists
// objects instead, page by page, as the DeleteBucket check does; and it
// aborts every incomplete multipart upload, page by page: they would keep
// DeleteBucket failing on AWS and are billed.
func TestEmptyFirstWithoutVersionsAndWithUploads(t *testing.T) {
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		q := r.URL.Query()
		switch {
		case q.Has("versions"):
			return s3stub.Error(501, "NotImplemented")
		case q.Get("list-type") == "2" && q.Get("continuation-token") == "":
			return s3stub.Answer{Body: `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>` +
				`<Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents></ListBucketResult>`}
		case q.Get("list-type") == "2":
			return s3stub.Answer{Body: `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>c</Key></Contents></ListBucketResult>`}
		case q.Has("delete"):
			return s3stub.Answer{Body: `<DeleteResult></DeleteResult>`}
		case q.Has("uploads") && q.Get("key-marker") == "":
			return s3stub.Answer{Body: `<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>big</NextKeyMarker>` +
				`<NextUploadIdMarker>u1</NextUploadIdMarker><Upload><Key>big</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>`}
		case q.Has("uploads"):
			return s3stub.Answer{Body: `<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>` +
				`<Upload><Key>huge</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>`}
		}
		return s3stub.Answer{Status: 204} // AbortMultipartUpload, DeleteBucket
	})
	var last precheck.Event
	c := stub.Client(precheck.Enable(func(o *precheck.Options) {
		o.EmptyFirst = true
		o.OnEvent = func(e precheck.Event) { last = e }
	}))
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
	require.NoError(t, err)

	var deleted, aborted []string
	for _, r := range stub.Requests() {
		switch {
		case r.Method == http.MethodPost: // DeleteObjects
			for _, k := range []string{"a", "b", "c"} {
				if strings.Contains(string(r.Body), "<Key>"+k+"</Key>") {
					deleted = append(deleted, k)
				}
			}
		case r.Method == http.MethodDelete && strings.Contains(r.Query, "uploadId="):
			q, err := urlQuery(r.Query)
			require.NoError(t, err)
			aborted = append(aborted, strings.TrimPrefix(r.Path, "/b/")+" "+q["uploadId"][0])
		}
	}
	assert.Equal(t, []string{"a", "b", "c"}, deleted)
	assert.Equal(t, []string{"big u1", "huge u2"}, aborted)
	assert.Equal(t, "DeleteBucket", opOf(stub.Requests()[stub.Count()-1]), "then the bucket is deleted")
	assert.Equal(t, 3, last.Deleted)
	assert.Equal(t, 2, last.Aborted)
}

// Against a real server: an incomplete multipart upload is aborted, then
// the bucket deleted.
func TestEmptyFirstAbortsUploads(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, false)
	s3test.Put(t, p, name, "k", "data")
	_, err := p.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &name, Key: aws.String("big")})
	require.NoError(t, err)
	c, inj := counted(t, precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	require.NoError(t, err)
	var abortStatus []int
	for _, r := range inj.Records() {
		if r.Operation == "AbortMultipartUpload" {
			abortStatus = append(abortStatus, r.Status)
		}
	}
	assert.Equal(t, []int{204}, abortStatus, "the upload was aborted")
	assert.Equal(t, []string{"ListObjectVersions", "DeleteObjects", "ListMultipartUploads", "AbortMultipartUpload", "DeleteBucket"}, ops(inj))
}

// When the uploads cannot be listed or aborted (no permission, not
// implemented, or the in-process server's 404 for "none"), S3 decides:
// DeleteBucket is sent.
func TestEmptyFirstUploadsUnreadableLetsS3Decide(t *testing.T) {
	for _, give := range []s3stub.Answer{s3stub.Error(404, "NoSuchUpload"), s3stub.Error(403, "AccessDenied"), s3stub.Error(501, "NotImplemented")} {
		t.Run(give.Code, func(t *testing.T) {
			stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
				q := r.URL.Query()
				switch {
				case q.Has("versions"):
					return s3stub.Answer{Body: `<ListVersionsResult></ListVersionsResult>`}
				case q.Has("uploads"):
					return give
				}
				return s3stub.Answer{Status: 204}
			})
			c := stub.Client(precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
			_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
			require.NoError(t, err)
			assert.Equal(t, "DeleteBucket", opOf(stub.Requests()[stub.Count()-1]))
		})
	}
}
