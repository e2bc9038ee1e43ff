package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 6bc25ff, on versitygw and in-process: an If-Match PutObject
// lands, its answer is lost, and before the SDK's resend another client
// changes the key; the resend is refused (412 or 404). Our write landed:
// success (proven) or ErrAmbiguousWrite, never a plain refusal.
func TestAttack2LandedWriteNeverALostRace(t *testing.T) {
	for _, tc := range []struct {
		name       string
		versioning types.BucketVersioningStatus // "": never
		setup      func(t *testing.T, c *s3.Client, bucket string)
		then       func(t *testing.T, c *s3.Client, bucket string)
	}{
		{name: "unversioned-sibling-deleted", setup: putKey("k1", 1), then: deleteKey},
		{name: "suspended-deleted", versioning: types.BucketVersioningStatusSuspended, then: deleteKey},
		{name: "versioned-deleted", versioning: types.BucketVersioningStatusEnabled, then: deleteKey},
		{name: "versioned-20-on-top", versioning: types.BucketVersioningStatusEnabled, then: putKey("k", 20)},
		{name: "versioned-25-on-top", versioning: types.BucketVersioningStatusEnabled, then: putKey("k", 25)},
		{name: "versioned-siblings-2-on-top", versioning: types.BucketVersioningStatusEnabled,
			setup: func(t *testing.T, c *s3.Client, bucket string) {
				for i := range 25 {
					putKey(fmt.Sprintf("k%d", i), 1)(t, c, bucket)
				}
			}, then: putKey("k", 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			both(t, func(t *testing.T, b backend) {
				ctx := context.Background()
				plain := b.client(nil)
				bucket := s3test.NewBucket(t, plain, false)
				if tc.versioning != "" {
					s3test.EnableVersioning(t, plain, bucket)
				}
				if tc.setup != nil {
					tc.setup(t, plain, bucket)
				}
				v0, err := plain.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("v0")})
				require.NoError(t, err)
				if tc.versioning == types.BucketVersioningStatusSuspended {
					_, err = plain.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
						VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
					require.NoError(t, err)
				}
				lost := new(bool)
				c := b.client(nil, retry.OnConflict(fast), loseFirstAnswer(lost,
					func(r *http.Request) bool { return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/k") },
					func() { tc.then(t, plain, bucket) }))
				_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("mine"), IfMatch: v0.ETag})
				require.True(t, *lost, "the first send landed and its answer was lost")
				if err != nil {
					assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "our write landed: never a plain %v", err)
				}
			})
		})
	}
}

// loseFirstAnswer is a client option: the first request match accepts
// reaches the server, then its answer is dropped (a connection reset),
// then runs; *lost tells whether that send had succeeded.
func loseFirstAnswer(lost *bool, match func(*http.Request) bool, then func()) func(*s3.Options) {
	var once sync.Once
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			first := false
			if match(r) {
				once.Do(func() { first = true })
			}
			resp, err := next.Do(r)
			if !first || err != nil {
				return resp, err
			}
			resp.Body.Close()
			*lost = resp.StatusCode == http.StatusOK
			then()
			return nil, fmt.Errorf("read: connection reset by peer")
		})
	}
}

func putKey(key string, n int) func(*testing.T, *s3.Client, string) {
	return func(t *testing.T, c *s3.Client, bucket string) {
		for i := range n {
			s3test.Put(t, c, bucket, key, fmt.Sprintf("theirs %d", i))
		}
	}
}

func deleteKey(t *testing.T, c *s3.Client, bucket string) {
	_, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")})
	require.NoError(t, err)
}
