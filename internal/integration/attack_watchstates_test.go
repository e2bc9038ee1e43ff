package integration

import (
	"context"
	"errors"
	"net/http"
	"sync"
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

// watchThen: a busy Updater increments the key 150 times while a waiter
// (its first two writes answered 412, so it watches) waits; then after
// runs; the waiter's outcome is returned.
func watchThen(t *testing.T, b backend, versioned bool, after func(c *s3.Client, bucket, key string)) (*s3.Client, string, retry.Committed, error) {
	ctx := context.Background()
	c := b.client(nil)
	bucket := s3test.NewBucket(t, c, false)
	if versioned {
		s3test.EnableVersioning(t, c, bucket)
	}
	const key = "n"
	busy := retry.NewUpdater(b.client(nil))
	lose := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject", Status: http.StatusPreconditionFailed,
		Code: "PreconditionFailed", Times: 2})
	waiter := retry.NewUpdater(b.client(lose))
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 150 {
			_, err := busy.Update(ctx, bucket, key, increment)
			assert.NoError(t, err)
			if i == 2 {
				close(started)
			}
		}
		after(c, bucket, key)
	}()
	<-started
	res, err := waiter.Update(ctx, bucket, key, increment)
	wg.Wait()
	return c, bucket, res, err
}

func TestAttackWatcherBucketDeleted(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		_, _, _, err := watchThen(t, b, false, func(c *s3.Client, bucket, key string) {
			_, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)})
			require.NoError(t, err)
			_, err = c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: &bucket})
			require.NoError(t, err)
		})
		if err == nil {
			t.Skip("the waiter committed before the bucket went")
		}
		t.Logf("waiter: %v", err)
		assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
		var ae smithy.APIError
		require.True(t, errors.As(err, &ae))
		assert.Equal(t, "NoSuchBucket", ae.ErrorCode())
	})
}

func TestAttackWatcherKeyDeleted(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		name := "unversioned"
		if versioned {
			name = "versioned"
		}
		t.Run(name, func(t *testing.T) {
			both(t, func(t *testing.T, b backend) {
				c, bucket, res, err := watchThen(t, b, versioned, func(c *s3.Client, bucket, key string) {
					_, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)})
					require.NoError(t, err)
				})
				if versioned && b.name == "versitygw" && errors.Is(err, retry.ErrCreateRefused) {
					t.Logf("versioned=%v: %v (documented)", versioned, err)
					return
				}
				require.NoError(t, err, "versioned=%v", versioned)
				_, herr := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("n")})
				if herr != nil && versioned { // the waiter committed before the delete
					if res.VersionID == "" { // its answer was lost and others wrote since: proven, version unknown
						require.True(t, res.Proven && res.Superseded, "a commit without a version ID is a superseded proof: %+v", res)
						return
					}
					_, herr = c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("n"),
						VersionId: aws.String(res.VersionID)})
					require.NoError(t, herr, "the waiter's version")
					return
				}
				if herr != nil {
					t.Skip("the waiter committed before the delete")
				}
				got := counter(t, c, bucket, "n")
				assert.Contains(t, []int{1, 151}, got)
			})
		})
	}
}
