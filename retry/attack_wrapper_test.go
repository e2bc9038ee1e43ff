//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// prefixed is a user's ObjectClient: it keeps every tenant's objects under
// its own prefix by overriding GetObject and PutObject of an embedded
// *s3.Client (a common way to wrap a client). HeadObject is promoted from
// the embedded client untouched: the Updater's probe reads another key.
type prefixed struct {
	*s3.Client
	prefix string
}

func (p prefixed) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	cp := *in
	cp.Key = aws.String(p.prefix + aws.ToString(in.Key))
	return p.Client.GetObject(ctx, &cp, optFns...)
}

func (p prefixed) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	cp := *in
	cp.Key = aws.String(p.prefix + aws.ToString(in.Key))
	return p.Client.PutObject(ctx, &cp, optFns...)
}

// loseTwice answers the first two PutObjects 412 in front of the server, so
// that the update watches the key from then on (as after two lost races).
func loseTwice(o *s3.Options) {
	o.HTTPClient = conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject",
		Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Times: 2}).Client(o.HTTPClient)
}

// An ObjectClient that wraps *s3.Client by embedding it, overriding the
// two methods ObjectClient names, worked before the HeadObject probe: the
// Updater only called GetObject and PutObject. Now the promoted HeadObject
// is called behind the wrapper's back. Here nobody else writes the key at
// all; the update lost two races and must write once its read finds the
// key quiet.
func TestAttackWrapperEmbeddingClientStillUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork())
		ctx := context.Background()
		bucket := "tenants"
		s3test.CreateBucket(t, srv.Client(), bucket)
		c := prefixed{Client: srv.Client(loseTwice), prefix: "tenant-a/"}
		_, err := retry.NewUpdater(prefixed{Client: srv.Client(), prefix: "tenant-a/"}).Update(ctx, bucket, "n", retry.Incr)
		require.NoError(t, err)

		_, err = retry.NewUpdater(c).Update(ctx, bucket, "n", retry.Incr)
		require.NoError(t, err, "nobody else writes the key")
		assert.Equal(t, "2", get(t, srv.Client(), bucket, "tenant-a/n"))
	})
}

// A test double for a user's S3 interface: it embeds the interface (nil)
// and implements only what the code under test calls, as Go mocks often
// do. It satisfies ObjectClient; HeadObject is there but panics.
type s3API interface {
	retry.ObjectClient
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

type partialFake struct {
	s3API // nil: only GetObject and PutObject are implemented
	c     *s3.Client
}

func (f partialFake) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return f.c.GetObject(ctx, in, optFns...)
}

func (f partialFake) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return f.c.PutObject(ctx, in, optFns...)
}

// Update must not panic with an ObjectClient whose GetObject and PutObject
// work: the doc of ObjectClient asks for nothing more.
func TestAttackPartialFakeDoesNotPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork())
		ctx := context.Background()
		bucket := "fake"
		s3test.CreateBucket(t, srv.Client(), bucket)
		u := retry.NewUpdater(partialFake{c: srv.Client(loseTwice)})
		var panicked any
		var err error
		func() {
			defer func() { panicked = recover() }()
			_, err = u.Update(ctx, bucket, "n", retry.Incr)
		}()
		require.Nil(t, panicked, "Update panicked")
		if err != nil {
			assert.False(t, errors.Is(err, retry.ErrAmbiguousWrite))
		}
	})
}

// getPut has GetObject and PutObject only.
type getPut struct{ c *s3.Client }

func (g getPut) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return g.c.GetObject(ctx, in, optFns...)
}

func (g getPut) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return g.c.PutObject(ctx, in, optFns...)
}

// A client without HeadObject watches a busy key with GetObject and
// commits once the busy writer stops.
func TestAttackClientWithoutHeadObjectWatches(t *testing.T) {
	runWatched(t, watchedCase{
		after:  func(context.Context, *s3.Client, string, string) {},
		client: func(c *s3.Client) retry.ObjectClient { return getPut{c} },
		check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
			require.NoError(t, err)
			assert.True(t, res.Changed)
			assert.Equal(t, "201", get(t, c, bucket, key))
		}})
}
