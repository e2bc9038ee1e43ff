package conflicttest_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
)

// readConditions are a GetObject's or HeadObject's conditions.
type readConditions struct {
	ifMatch, ifNoneMatch               *string
	ifModifiedSince, ifUnmodifiedSince *time.Time
}

// conditionalRead gets (or heads) bucket/key under cond and returns the
// HTTP status it was answered.
func conditionalRead(t *testing.T, c *s3.Client, head bool, bucket, key string, versionID *string, cond readConditions) int {
	t.Helper()
	ctx := context.Background()
	var err error
	if head {
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, VersionId: versionID,
			IfMatch: cond.ifMatch, IfNoneMatch: cond.ifNoneMatch, IfModifiedSince: cond.ifModifiedSince, IfUnmodifiedSince: cond.ifUnmodifiedSince})
	} else {
		var out *s3.GetObjectOutput
		out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: versionID,
			IfMatch: cond.ifMatch, IfNoneMatch: cond.ifNoneMatch, IfModifiedSince: cond.ifModifiedSince, IfUnmodifiedSince: cond.ifUnmodifiedSince})
		if err == nil {
			out.Body.Close()
		}
	}
	if err == nil {
		return http.StatusOK
	}
	status := s3err.Status(err)
	require.NotZero(t, status, "%v", err)
	if !head && status == http.StatusPreconditionFailed {
		assert.Equal(t, "PreconditionFailed", s3err.Code(err))
	}
	return status
}

// putMultipart completes a one-part upload of body under key: its ETag is
// S3's multipart ETag, "<md5 of the part's md5>-1", not the body's MD5.
func putMultipart(t *testing.T, c *s3.Client, bucket, key, body string) {
	t.Helper()
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	require.NoError(t, err)
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader(body)})
	require.NoError(t, err)
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	require.NoError(t, err)
}

// GetObject and HeadObject answer their conditions as S3 documents them
// (RFC 7232): If-Match fails 412, If-None-Match 304, If-Modified-Since 304,
// If-Unmodified-Since 412; a holding If-Match overrides a failing
// If-Unmodified-Since, a failing If-None-Match wins over a holding
// If-Modified-Since. ETags are the ones the server serves, a multipart
// object's included; an empty object's conditions count too; the version
// read is the one the conditions concern.
func TestConditionalReads(t *testing.T) {
	t.Parallel()
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	s3test.VersionedBucket(t, c, "reads")
	old := s3test.Put(t, c, "reads", "single", "older")
	s3test.Put(t, c, "reads", "single", "hello")
	s3test.Put(t, c, "reads", "empty", "")
	putMultipart(t, c, "reads", "multi", "world")
	sum := md5.Sum([]byte("world"))
	bodyMD5 := `"` + hex.EncodeToString(sum[:]) + `"`

	for _, key := range []string{"single", "empty", "multi"} {
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("reads"), Key: aws.String(key)})
		require.NoError(t, err)
		etag, modified := head.ETag, *head.LastModified
		if key == "multi" {
			require.True(t, strings.HasSuffix(*etag, `-1"`), *etag)
		}
		before := modified.Add(-time.Second)
		type readCase struct {
			name string
			give readConditions
			want int
		}
		tests := []readCase{
			{"If-Match holds", readConditions{ifMatch: etag}, http.StatusOK},
			{"If-Match unquoted holds", readConditions{ifMatch: aws.String(strings.Trim(*etag, `"`))}, http.StatusOK},
			{"If-Match * holds", readConditions{ifMatch: aws.String("*")}, http.StatusOK},
			{"If-Match fails", readConditions{ifMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}, http.StatusPreconditionFailed},
			{"If-None-Match fails", readConditions{ifNoneMatch: etag}, http.StatusNotModified},
			{"If-None-Match holds", readConditions{ifNoneMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}, http.StatusOK},
			{"If-Modified-Since fails", readConditions{ifModifiedSince: &modified}, http.StatusNotModified},
			{"If-Modified-Since holds", readConditions{ifModifiedSince: &before}, http.StatusOK},
			{"If-Unmodified-Since fails", readConditions{ifUnmodifiedSince: &before}, http.StatusPreconditionFailed},
			{"If-Unmodified-Since holds", readConditions{ifUnmodifiedSince: &modified}, http.StatusOK},
			{"If-Match overrides If-Unmodified-Since", readConditions{ifMatch: etag, ifUnmodifiedSince: &before}, http.StatusOK},
			{"If-None-Match wins over If-Modified-Since", readConditions{ifNoneMatch: etag, ifModifiedSince: &before}, http.StatusNotModified},
		}
		if key == "multi" {
			tests = append(tests, readCase{"If-None-Match of the body's MD5 holds", readConditions{ifNoneMatch: &bodyMD5}, http.StatusOK})
		}
		for _, tt := range tests {
			for _, isHead := range []bool{false, true} {
				got := conditionalRead(t, c, isHead, "reads", key, nil, tt.give)
				assert.Equal(t, tt.want, got, "%s: %s (head %v)", key, tt.name, isHead)
			}
		}
	}

	// An older version by ID: its own ETag, not the latest's.
	for _, isHead := range []bool{false, true} {
		assert.Equal(t, http.StatusOK, conditionalRead(t, c, isHead, "reads", "single", old.VersionId, readConditions{ifMatch: old.ETag}))
		assert.Equal(t, http.StatusNotModified, conditionalRead(t, c, isHead, "reads", "single", old.VersionId, readConditions{ifNoneMatch: old.ETag}))
	}
	assert.Equal(t, "hello", s3test.Get(t, c, "reads", "single"), "a read changes nothing")
}

// Under 64 readers and a writer that keeps replacing the object, a read
// with If-Match answers 200 only with the body of the version it named,
// else 412: the condition is checked on the version served.
func TestConditionalReadsRaceWrites(t *testing.T) {
	t.Parallel()
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "race")
	named := s3test.Put(t, c, "race", "k", "named").ETag
	stop := make(chan struct{})
	wrote := make(chan int)
	go func() {
		n := 0
		defer func() { wrote <- n }()
		for bodies := []string{"other", "named"}; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("k"),
				Body: strings.NewReader(bodies[n%2])}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var ok, failed atomic.Int64
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String("k"), IfMatch: named})
				if err != nil {
					assert.Equal(t, http.StatusPreconditionFailed, s3err.Status(err), "%v", err)
					failed.Add(1)
					continue
				}
				got, err := io.ReadAll(out.Body)
				out.Body.Close()
				assert.NoError(t, err) // not require: FailNow only from the test's goroutine
				assert.Equal(t, "named", string(got), "If-Match answered 200 with another version's body")
				assert.Equal(t, *named, aws.ToString(out.ETag))
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	t.Logf("%d writes; %d reads matched, %d refused", <-wrote, ok.Load(), failed.Load())
}
