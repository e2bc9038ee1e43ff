package retry_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// holdFirst answers the first request match accepts with 504 at once (a
// gateway gave up; the SDK resends) and keeps it, to deliver it to the
// server only when release is called: a send still on its way.
type holdFirst struct {
	next  conflicttest.HTTPClient
	match func(*http.Request) bool
	then  func() // runs before the 504 is answered
	mu    sync.Mutex
	held  *http.Request
	taken bool
}

func (h *holdFirst) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	take := !h.taken && h.match(r)
	h.taken = h.taken || take
	h.mu.Unlock()
	if !take {
		return h.next.Do(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	held := r.Clone(context.Background())
	held.Body = io.NopCloser(bytes.NewReader(body))
	h.mu.Lock()
	h.held = held
	h.mu.Unlock()
	h.then()
	return &http.Response{StatusCode: http.StatusGatewayTimeout, Status: "504 Gateway Timeout", Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// release delivers the held request and returns its status.
func (h *holdFirst) release() int {
	h.mu.Lock()
	held := h.held
	h.held = nil
	h.mu.Unlock()
	resp, err := h.next.Do(held)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// Attack on 6bc25ff ("the write never landed, and cannot land later, its
// condition having failed"): a create-if-absent (If-None-Match: "*") on a
// versioned bucket; its first send is delayed on the way (a gateway
// answers 504, the SDK resends); another client creates the key before the
// resend, which is refused 412; no version is ours: reported as a plain
// lost race. Then the other client deletes the key (a lock released), and
// our delayed first send arrives: it creates the key. A write reported as
// never landing must not land later; before 6bc25ff this was
// ErrAmbiguousWrite.
func TestAttack2LostRaceLandsLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := conflicttest.NewServer(t)
	other := srv.Client()
	bucket, key := aws.String("bkt"), aws.String("lock")
	s3test.VersionedBucket(t, other, *bucket)
	hook := &holdFirst{match: func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/lock")
	},
		then: func() {
			_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("theirs"), IfNoneMatch: aws.String("*")})
			assert.NoError(t, err)
		}}
	c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("mine"), IfNoneMatch: aws.String("*")})
	require.ErrorIs(t, err, conflict.PreconditionFailed)
	plainLostRace := !assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "sent twice, one send unanswered: ambiguous")
	_, err = other.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	status := hook.release()
	t.Logf("the delayed first send was answered %d", status)
	if plainLostRace {
		assert.NotEqual(t, "mine", get(t, other, "bkt", "lock"), "a write reported as a lost race landed later")
	}
}

// The same with If-Match: the other client writes "theirs" before the
// resend (refused 412, no version ours: a plain lost race), then writes
// back the bytes of v0 (same ETag). Our delayed first send, If-Match v0's
// ETag, arrives and lands.
func TestAttack2LostRaceLandsLaterIfMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := conflicttest.NewServer(t)
	other := srv.Client()
	bucket, key := aws.String("bkt"), aws.String("k")
	s3test.VersionedBucket(t, other, *bucket)
	v0 := s3test.Put(t, other, *bucket, *key, "v0")
	hook := &holdFirst{match: putOfK,
		then: func() {
			_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("theirs")})
			assert.NoError(t, err)
		}}
	c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("mine"), IfMatch: v0.ETag})
	require.ErrorIs(t, err, conflict.PreconditionFailed)
	plainLostRace := !assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "sent twice, one send unanswered: ambiguous")
	s3test.Put(t, other, *bucket, *key, "v0")
	t.Logf("the delayed first send was answered %d", hook.release())
	if plainLostRace {
		assert.NotEqual(t, "mine", get(t, other, "bkt", "k"), "a write reported as a lost race landed later")
	}
}
