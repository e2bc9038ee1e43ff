package retry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// loseThen delivers the first request match accepts to the server, drops
// its response (the SDK resends) and runs then before the resend goes out.
type loseThen struct {
	next  conflicttest.HTTPClient
	match func(*http.Request) bool
	then  func()
	done  atomic.Bool
}

// putOfK matches a PUT to the key "k".
func putOfK(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/k")
}

// send runs put once, or through retry.Do (with fast) when inDo.
func send(ctx context.Context, inDo bool, put func(context.Context) error) error {
	if inDo {
		return retry.Do(ctx, put, fast)
	}
	return put(ctx)
}

func (l *loseThen) Do(r *http.Request) (*http.Response, error) {
	if !l.match(r) || !l.done.CompareAndSwap(false, true) {
		return l.next.Do(r)
	}
	resp, err := l.next.Do(r)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	l.then()
	return nil, errors.New("read: connection reset by peer")
}

// An If-Match PutObject lands, its response is lost, another client
// deletes the key or overwrites it before the SDK's resend, and the resend
// is refused (404 NoSuchKey after a delete, 412 after an overwrite). The
// write was sent twice: the refusal is settled by the token. On a
// versioned bucket our version is still there (beneath the delete marker,
// or beneath the other write): success with our ETag and VersionId. On an
// unversioned bucket nothing proves it: ErrAmbiguousWrite, the SDK's error
// still reachable with errors.As. Also inside Do, where the middleware
// steps aside.
func TestIfMatchRefusedAfterLostResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		versioned, put, inDo bool
		wantCode             string // "" : proven ours
	}{
		{"versioned, deleted", true, false, false, ""},
		{"versioned, deleted, in Do", true, false, true, ""},
		{"versioned, overwritten", true, true, false, ""},
		{"unversioned, deleted", false, false, false, "NoSuchKey"},
		{"unversioned, deleted, in Do", false, false, true, "NoSuchKey"},
		{"unversioned, overwritten", false, true, false, "PreconditionFailed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := conflicttest.NewServer(t)
			other := srv.Client()
			bucket, key := aws.String("bkt"), aws.String("k")
			s3test.CreateBucket(t, other, *bucket)
			if tc.versioned {
				s3test.EnableVersioning(t, other, *bucket)
			}
			v0 := s3test.Put(t, other, *bucket, *key, "v0")
			hook := &loseThen{match: putOfK,
				then: func() {
					if tc.put {
						_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("theirs")})
						assert.NoError(t, err)
						return
					}
					_, err := other.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
					assert.NoError(t, err)
				}}
			c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
			var out *s3.PutObjectOutput
			put := func(ctx context.Context) (err error) {
				out, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("mine"), IfMatch: v0.ETag})
				return err
			}
			err := send(ctx, tc.inDo, put)
			require.True(t, hook.done.Load(), "the response was lost")
			if tc.wantCode != "" {
				require.ErrorIs(t, err, retry.ErrAmbiguousWrite, "sent twice and unprovable: never a plain refusal")
				var ae smithy.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.wantCode, ae.ErrorCode())
				return
			}
			require.NoError(t, err, "our write landed")
			res, ok := retry.ResultOf(out.ResultMetadata)
			require.True(t, ok)
			assert.True(t, res.WriteProven)
			got, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key, VersionId: out.VersionId})
			require.NoError(t, err, "the output names our version")
			body, _ := io.ReadAll(got.Body)
			assert.Equal(t, "mine", string(body))
			assert.Equal(t, aws.ToString(got.ETag), aws.ToString(out.ETag))
		})
	}
}

// Sent once, a 404 to If-Match is a plain answer: S3's NoSuchKey as it is,
// no proof read, no record.
func TestIfMatchNoSuchKeySentOnce(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	var events []retry.Event
	c := srv.Client(retry.OnConflict(fast, func(o *retry.Options) { o.OnEvent = func(e retry.Event) { events = append(events, e) } }))
	bucket := aws.String("bkt")
	s3test.CreateBucket(t, c, *bucket)
	srv.Faults.Reset()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: bucket, Key: aws.String("absent"),
		Body: strings.NewReader("x"), IfMatch: aws.String(`"abc"`)})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "NoSuchKey", ae.ErrorCode())
	assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
	assert.Equal(t, 1, len(srv.Faults.Records()), "the write alone")
	assert.Empty(t, events)
}
