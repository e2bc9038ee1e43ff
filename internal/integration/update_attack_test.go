package integration

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Someone else's bucket: refused once, never looped on.
func TestUpdateStrangersBucket(t *testing.T) {
	b := versity(t)
	bucket := s3test.NewBucket(t, b.client(nil), false)
	u := retry.NewUpdater(b.other(retry.OnConflict()))
	_, err := u.Update(context.Background(), bucket, "n", increment)
	require.Error(t, err)
	assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
	_, err = retry.Claim(context.Background(), b.other(), bucket, "job", "me")
	require.Error(t, err)
	var lost *retry.ClaimLost
	assert.False(t, errors.As(err, &lost), "access denied is not a lost claim")
}

// A deleted key on a versioned bucket (a delete marker is current) is
// absent: the update creates it again. versitygw refuses that create
// (412: it counts the delete marker), so there the update fails fast with
// ErrCreateRefused instead of looping.
func TestUpdateAfterDeleteMarker(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		bucket := s3test.NewBucket(t, c, false)
		s3test.EnableVersioning(t, c, bucket)
		u := retry.NewUpdater(c)
		_, err := u.Update(context.Background(), bucket, "n", increment)
		require.NoError(t, err)
		_, err = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("n")})
		require.NoError(t, err)
		res, err := retry.NewUpdater(c).Update(context.Background(), bucket, "n", increment)
		if b.name == "versitygw" {
			require.ErrorIs(t, err, retry.ErrCreateRefused)
			return
		}
		require.NoError(t, err)
		assert.NotEmpty(t, res.VersionID)
		assert.Equal(t, 1, counter(t, c, bucket, "n"), "counted again from absent")
	})
}

// 64 goroutines, half of them giving up midway: nothing hangs, and the
// counter holds every update that succeeded, plus at most those whose
// callers left while their write was in flight.
func TestUpdateManyCallersSomeCancelled(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		bucket := s3test.NewBucket(t, c, false)
		u := retry.NewUpdater(c)
		var ok, maybe atomic.Int64
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				for j := range 5 {
					if i%2 == 1 && j == 2 {
						cancel()
					}
					_, err := u.Update(ctx, bucket, "n", increment)
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, retry.ErrAmbiguousWrite):
						maybe.Add(1)
					default:
						assert.ErrorIs(t, err, context.Canceled)
					}
				}
			}()
		}
		wg.Wait()
		got := counter(t, c, bucket, "n")
		assert.GreaterOrEqual(t, int64(got), ok.Load())
		assert.LessOrEqual(t, int64(got), ok.Load()+maybe.Load())
		assert.GreaterOrEqual(t, ok.Load(), int64(32*5), "the callers that stayed all succeeded")
	})
}

// A writer that does not use the Updater (plain PutObject) overwrites the
// key now and then: updates carry on from whatever is there.
func TestUpdateBesidePlainWriter(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		bucket := s3test.NewBucket(t, c, false)
		u := retry.NewUpdater(c)
		concurrently(9, 10, func(g int) {
			if g == 8 { // the plain writer
				_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("n"),
					Body: strings.NewReader(`{"N":1000}`)})
				assert.NoError(t, err)
				return
			}
			_, err := u.Update(context.Background(), bucket, "n", increment)
			assert.NoError(t, err)
		})
		got := counter(t, c, bucket, "n")
		assert.GreaterOrEqual(t, got, 1000, "the last plain write is the base of what follows")
	})
}
