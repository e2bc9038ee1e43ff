//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// watchedCase: a busy writer (busy, 200 times) keeps the key while a waiter
// (lost twice, so watching) waits; then after runs; check judges the
// waiter's outcome.
type watchedCase struct {
	versioned bool
	opts      func(*retry.UpdateOptions)
	client    func(*s3.Client) retry.ObjectClient // nil: the *s3.Client
	busy      func(ctx context.Context, c *s3.Client, bucket, key string, i int) error
	after     func(ctx context.Context, c *s3.Client, bucket, key string)
	check     func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error)
}

func incrBusy(u *retry.Updater) func(ctx context.Context, c *s3.Client, bucket, key string, i int) error {
	return func(ctx context.Context, c *s3.Client, bucket, key string, i int) error {
		_, err := u.Update(ctx, bucket, key, retry.Incr)
		return err
	}
}

func runWatched(t *testing.T, tc watchedCase) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "watched", "k"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		c := srv.Client()
		if tc.versioned {
			s3test.EnableVersioning(t, c, bucket)
		}
		busy := tc.busy
		if busy == nil {
			busy = incrBusy(retry.NewUpdater(srv.Client()))
		}
		var wc retry.ObjectClient = srv.Client(loseTwice)
		if tc.client != nil {
			wc = tc.client(srv.Client(loseTwice))
		}
		waiter := retry.NewUpdater(wc, tc.opts)
		started := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range 200 {
				require.NoError(t, busy(ctx, c, bucket, key, i))
				if i == 2 {
					close(started)
				}
			}
			tc.after(ctx, c, bucket, key)
		})
		<-started
		res, err := waiter.Update(ctx, bucket, key, retry.Incr)
		wg.Wait()
		tc.check(t, c, bucket, key, res, err)
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func deleteAllVersions(ctx context.Context, t *testing.T, c *s3.Client, bucket string) {
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	for _, v := range out.Versions {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: v.Key, VersionId: v.VersionId})
		require.NoError(t, err)
	}
	for _, v := range out.DeleteMarkers {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: v.Key, VersionId: v.VersionId})
		require.NoError(t, err)
	}
}

func TestAttackBadStatesWhileWatching(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		name := "unversioned"
		if versioned {
			name = "versioned"
		}
		t.Run(name+"/bucket deleted", func(t *testing.T) {
			var tt = t
			runWatched(t, watchedCase{versioned: versioned,
				after: func(ctx context.Context, c *s3.Client, bucket, key string) {
					deleteAllVersions(ctx, tt, c, bucket)
					_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
					require.NoError(tt, err)
				},
				check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
					if err == nil { // got in before the busy writer stopped
						t.Skip("the waiter committed before the bucket went")
					}
					t.Logf("waiter: %v", err)
					assert.False(t, errors.Is(err, retry.ErrAmbiguousWrite))
					assert.Equal(t, "NoSuchBucket", apiCode(err))
				}})
		})
		t.Run(name+"/key deleted", func(t *testing.T) {
			runWatched(t, watchedCase{versioned: versioned,
				after: func(ctx context.Context, c *s3.Client, bucket, key string) {
					_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					require.NoError(t, err)
				},
				check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
					require.NoError(t, err)
					got := get(t, c, bucket, key)
					assert.Contains(t, []string{"1", "201"}, got) // after the delete, or before
				}})
		})
		t.Run(name+"/grown past MaxSize", func(t *testing.T) {
			runWatched(t, watchedCase{versioned: versioned,
				opts: func(o *retry.UpdateOptions) { o.MaxSize = 1000 },
				busy: func(ctx context.Context, c *s3.Client, bucket, key string, i int) error {
					body := strconv.Itoa(i)
					if i == 199 {
						body += strings.Repeat(" ", 5000)
					}
					_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
						Body: strings.NewReader(body)})
					return err
				},
				after: func(context.Context, *s3.Client, string, string) {},
				check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
					if err == nil {
						t.Skip("the waiter committed before the object grew")
					}
					t.Logf("waiter: %v", err)
					assert.ErrorIs(t, err, retry.ErrTooLarge)
				}})
		})
		t.Run(name+"/stranger writes", func(t *testing.T) {
			runWatched(t, watchedCase{versioned: versioned,
				busy: func(ctx context.Context, c *s3.Client, bucket, key string, i int) error {
					_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
						Body: strings.NewReader(strconv.Itoa(1000 + i))})
					return err
				},
				after: func(context.Context, *s3.Client, string, string) {},
				check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
					require.NoError(t, err)
					assert.True(t, res.Changed)
					got, err := strconv.Atoi(get(t, c, bucket, key))
					require.NoError(t, err)
					assert.Equal(t, 1200, got, "the waiter wrote after the stranger's last write")
				}})
		})
	}
	for name, pad := range map[string]int{"token only": 2048 - 3 - len(retry.TokenMetadataKey) - 16 - 5, "no room": 2040} {
		t.Run("metadata leaves "+name, func(t *testing.T) {
			var u *retry.Updater
			runWatched(t, watchedCase{
				busy: func(ctx context.Context, c *s3.Client, bucket, key string, i int) error {
					if i == 0 {
						u = retry.NewUpdater(c)
						_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
							Body: strings.NewReader("0"), Metadata: map[string]string{"pad": strings.Repeat("p", pad)}})
						return err
					}
					_, err := u.Update(ctx, bucket, key, retry.Incr)
					return err
				},
				after: func(context.Context, *s3.Client, string, string) {},
				check: func(t *testing.T, c *s3.Client, bucket, key string, res retry.Committed, err error) {
					require.NoError(t, err)
					assert.Equal(t, "200", get(t, c, bucket, key))
				}})
		})
	}
}
