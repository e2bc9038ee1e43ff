package retry_test

import (
	"context"
	"fmt"
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

// Attacks on 6bc25ff that must hold: on a bucket with versioning enabled,
// an If-Match PutObject lands, its answer is lost, and before the SDK's
// resend (refused 412 or 404) the key is changed in various ways and the
// proof's reads are disturbed. Our write landed: the result is success
// (proven) or ErrAmbiguousWrite, never a plain refusal.
func TestAttack2LandedNeverPlainLostRace(t *testing.T) {
	t.Parallel()
	type env struct {
		srv    *conflicttest.Server
		other  *s3.Client
		bucket *string
	}
	put := func(t *testing.T, e env, key, body string) {
		_, err := e.other.PutObject(context.Background(), &s3.PutObjectInput{Bucket: e.bucket, Key: aws.String(key), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	overwrite := func(n int) func(*testing.T, env) {
		return func(t *testing.T, e env) {
			for i := range n {
				put(t, e, "k", fmt.Sprintf("theirs %d", i))
			}
		}
	}
	for _, tc := range []struct {
		name         string
		nullFirst    bool // v0 written before versioning was enabled
		setup        func(*testing.T, env)
		then         func(*testing.T, env)
		faults       []conflicttest.Fault // added after then, for the proof's reads
		wantAmbigous bool
	}{
		{name: "25 versions on top", then: overwrite(25), wantAmbigous: true},
		{name: "20 versions on top", then: overwrite(20)},
		{name: "siblings k0..k29, 1 on top", setup: func(t *testing.T, e env) {
			for i := range 30 {
				put(t, e, fmt.Sprintf("k%d", i), "s")
			}
		}, then: overwrite(1)},
		{name: "siblings with 25 versions of k1, 3 on top", setup: func(t *testing.T, e env) {
			for range 25 {
				put(t, e, "k1", "s")
			}
		}, then: overwrite(3)},
		{name: "delete marker on top", then: func(t *testing.T, e env) {
			_, err := e.other.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: e.bucket, Key: aws.String("k")})
			require.NoError(t, err)
		}},
		{name: "versioning enabled after v0 (null)", nullFirst: true, then: overwrite(2)},
		{name: "HeadObject 403", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "HeadObject", Status: 403, Code: "AccessDenied"}}, wantAmbigous: true},
		{name: "HeadObject 500 once", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "HeadObject", Status: 500, Code: "InternalError", Times: 1}}},
		{name: "HeadObject 404 once (current)", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "HeadObject", Status: 404, Times: 1}}},
		{name: "HeadObject 404 on second (ours)", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "HeadObject", Times: 1}, {Operation: "HeadObject", Status: 404}}, wantAmbigous: true},
		{name: "ListObjectVersions 500", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "ListObjectVersions", Status: 500, Code: "InternalError"}}, wantAmbigous: true},
		{name: "ListObjectVersions 501", then: overwrite(1),
			faults: []conflicttest.Fault{{Operation: "ListObjectVersions", Status: 501, Code: "NotImplemented"}}, wantAmbigous: true},
		{name: "suspended then overwritten", then: func(t *testing.T, e env) {
			_, err := e.other.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: e.bucket,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
			require.NoError(t, err)
			overwrite(2)(t, e)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := conflicttest.NewServer(t)
			e := env{srv: srv, other: srv.Client(), bucket: aws.String("bkt")}
			s3test.CreateBucket(t, e.other, *e.bucket)
			enable := func() {
				s3test.EnableVersioning(t, e.other, *e.bucket)
			}
			if !tc.nullFirst {
				enable()
			}
			if tc.setup != nil {
				tc.setup(t, e)
			}
			v0 := s3test.Put(t, e.other, *e.bucket, "k", "v0")
			if tc.nullFirst {
				enable()
			}
			hook := &loseThen{match: putOfK,
				then: func() {
					tc.then(t, e)
					for _, f := range tc.faults {
						srv.Faults.Add(f)
					}
				}}
			c := srv.Client(retry.OnConflict(fast), func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: e.bucket, Key: aws.String("k"), Body: strings.NewReader("mine"), IfMatch: v0.ETag})
			require.True(t, hook.done.Load())
			if err == nil {
				assert.False(t, tc.wantAmbigous, "proven where ambiguous was expected")
				return
			}
			assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "our write landed: never a plain %v", err)
			if !tc.wantAmbigous {
				t.Logf("ambiguous where proof was expected: %v", err)
			}
		})
	}
}
