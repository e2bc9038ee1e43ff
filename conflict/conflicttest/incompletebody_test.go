package conflicttest_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// sendShort sends a request whose body stops 10 bytes short of its
// Content-Length, then closes its side of the connection, so that the
// server meets the end of the body early; it returns the status and the
// S3 error code of the answer.
func sendShort(t *testing.T, srv *conflicttest.Server, method, target, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute))) // a hang fails, never waits forever
	req := method + " " + target + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(srv.URL, "http://") +
		"\r\nContent-Length: " + strconv.Itoa(len(body)+10) + "\r\n\r\n" + body
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_, code, _ := strings.Cut(string(doc), "<Code>")
	code, _, _ = strings.Cut(code, "</Code>")
	return resp.StatusCode, code
}

// A request whose body ends before its Content-Length is answered 400
// IncompleteBody, as S3 answers it, and changes nothing: no object, part,
// completion, configuration or delete is made of what arrived — on every
// path that reads a body, a Fault's latency included.
func TestIncompleteBodyChangesNothing(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", Key: "late", Latency: time.Nanosecond}))
	c := srv.Client()
	ctx := context.Background()
	b := aws.String("bodies")
	mkBucket(t, c, *b)
	s3test.Put(t, c, *b, "kept", "still here")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("big")})
	require.NoError(t, err)
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("big"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	require.NoError(t, err)
	uploadID := *up.UploadId

	tests := []struct {
		name, method, target, body string
		unchanged                  func(t *testing.T)
	}{
		{"PutObject", "PUT", "/bodies/new", "truncated", func(t *testing.T) {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("new")})
			assert.Error(t, err, "no object")
		}},
		{"PutObject behind a Fault's latency", "PUT", "/bodies/late", "truncated", func(t *testing.T) {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("late")})
			assert.Error(t, err, "no object")
		}},
		{"UploadPart", "PUT", "/bodies/big?partNumber=2&uploadId=" + uploadID, "truncated", func(t *testing.T) {
			parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: aws.String("big"), UploadId: &uploadID})
			require.NoError(t, err)
			assert.Len(t, parts.Parts, 1, "no part 2")
		}},
		{"CompleteMultipartUpload", "POST", "/bodies/big?uploadId=" + uploadID,
			"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + *part.ETag + "</ETag></Part></CompleteMultipartUpload>",
			func(t *testing.T) {
				_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("big")})
				assert.Error(t, err, "no object")
				uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
				require.NoError(t, err)
				assert.Len(t, uploads.Uploads, 1, "the upload is still there")
			}},
		{"DeleteObjects", "POST", "/bodies?delete", "<Delete><Object><Key>kept</Key></Object></Delete>", func(t *testing.T) {
			assert.Equal(t, "still here", s3test.Get(t, c, *b, "kept"))
		}},
		{"PutBucketVersioning", "PUT", "/bodies?versioning",
			"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", func(t *testing.T) {
				v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
				require.NoError(t, err)
				assert.Empty(t, v.Status, "never enabled")
			}},
		{"PutBucketTagging", "PUT", "/bodies?tagging",
			"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>", func(t *testing.T) {
				_, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
				assert.Error(t, err, "no tag set")
			}},
	}
	for _, tt := range tests {
		status, code := sendShort(t, srv, tt.method, tt.target, tt.body)
		assert.Equal(t, http.StatusBadRequest, status, tt.name)
		assert.Equal(t, "IncompleteBody", code, tt.name)
		t.Run(tt.name, tt.unchanged)
	}
	var late []conflicttest.Record
	for _, rec := range srv.Faults.Records() {
		if rec.Key == "late" && rec.Method == "PUT" {
			late = append(late, rec)
		}
	}
	require.Len(t, late, 1)
	assert.Equal(t, http.StatusBadRequest, late[0].Status, "recorded as answered")
	assert.Equal(t, "IncompleteBody", late[0].Code)
}

// A document read whole in front of a Fault's latency reaches the server
// whole: the server does not read it a second time, and acts on all of it.
func TestBodyReadBeforeLatencyIsActedOn(t *testing.T) {
	t.Parallel()
	c := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Latency: time.Nanosecond})).Client()
	ctx := context.Background()
	mkBucket(t, c, "late-bodies")
	s3test.Put(t, c, "late-bodies", "a", "1")
	s3test.Put(t, c, "late-bodies", "b", "2")
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("late-bodies"),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b")}}}})
	require.NoError(t, err)
	assert.Len(t, out.Deleted, 2)
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("late-bodies")})
	require.NoError(t, err)
	assert.Empty(t, list.Contents)
}
