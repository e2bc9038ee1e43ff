package retry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 6bc25ff: an If-Match PutObject lands, its answer is lost,
// another client deletes the key with a plain DeleteObject (no VersionId)
// before the SDK's resend, and the resend is refused 404 NoSuchKey. Our
// write did land. It must never be told as a plain lost race (the caller
// would believe it never happened); the existing test says
// ErrAmbiguousWrite for an unversioned bucket. Here the bucket is either
// unversioned with a sibling key "k1" (ListObjectVersions with Prefix "k"
// lists it), or versioned then suspended (the delete replaces our "null"
// version with a "null" delete marker, which the proof does not look at).
func TestAttack2LandedThenDeletedIsNoLostRace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		versioned types.BucketVersioningStatus // "": never versioned
		sibling   bool
		inDo      bool
	}{
		{"unversioned, no sibling (control)", "", false, false},
		{"unversioned, sibling k1", "", true, false},
		{"unversioned, sibling k1, in Do", "", true, true},
		{"suspended", types.BucketVersioningStatusSuspended, false, false},
		{"suspended, in Do", types.BucketVersioningStatusSuspended, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := conflicttest.NewServer(t)
			other := srv.Client()
			bucket, key := aws.String("bkt"), aws.String("k")
			s3test.CreateBucket(t, other, *bucket)
			setV := func(s types.BucketVersioningStatus) {
				_, err := other.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
					VersioningConfiguration: &types.VersioningConfiguration{Status: s}})
				require.NoError(t, err)
			}
			if tc.versioned != "" {
				setV(types.BucketVersioningStatusEnabled)
			}
			v0 := s3test.Put(t, other, *bucket, *key, "v0")
			if tc.versioned == types.BucketVersioningStatusSuspended {
				setV(types.BucketVersioningStatusSuspended)
			}
			if tc.sibling {
				s3test.Put(t, other, *bucket, "k1", "sibling")
			}
			hook := &loseThen{match: putOfK,
				then: func() {
					_, err := other.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
					assert.NoError(t, err)
				}}
			c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
			put := func(ctx context.Context) error {
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("mine"), IfMatch: v0.ETag})
				return err
			}
			err := send(ctx, tc.inDo, put)
			require.True(t, hook.done.Load(), "the response was lost after the write landed")
			require.Error(t, err)
			assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "our write landed (then was deleted): never a plain lost race; got %v", err)
		})
	}
}
