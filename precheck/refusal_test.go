package precheck_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// lockBucketStub answers as a bucket with Object Lock whose one version,
// k v1, is under legal hold, and whose listing shows that version.
func lockBucketStub() *s3stub.Stub {
	return s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		q := r.URL.Query()
		switch {
		case q.Has("object-lock"):
			return s3stub.Answer{Body: `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`}
		case q.Has("legal-hold"):
			return s3stub.Answer{Body: `<LegalHold><Status>ON</Status></LegalHold>`}
		case q.Has("versions"):
			return s3stub.Answer{Body: `<ListVersionsResult><Version><Key>k</Key><VersionId>v1</VersionId></Version></ListVersionsResult>`}
		case q.Has("delete"):
			return s3stub.Answer{Body: `<DeleteResult><Error><Key>k</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>locked</Message></Error></DeleteResult>`}
		}
		return s3stub.Answer{Status: 204}
	})
}

// A refusal reads like the answer S3 would have sent: code and status
// through errors.As, as for an SDK error, besides this module's own kinds
// and fields; with retry.OnConflict too. Turning prechecks on changes no
// caller's branch.
func TestRefusalIsReadLikeS3sAnswer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []func(*precheck.Options)
		call       func(*s3.Client) error
		wantCode   string
		wantStatus int
		wantIs     error
	}{{
		name: "DeleteBucket not empty",
		call: func(c *s3.Client) error {
			_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
			return err
		},
		wantCode: "BucketNotEmpty", wantStatus: 409, wantIs: conflict.NotEmpty,
	}, {
		name: "suspend versioning on a lock bucket",
		call: func(c *s3.Client) error {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("b"),
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
			return err
		},
		wantCode: "InvalidBucketState", wantStatus: 409, wantIs: conflict.InvalidState,
	}, {
		name: "delete a locked version",
		call: func(c *s3.Client) error {
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), VersionId: aws.String("v1")})
			return err
		},
		wantCode: "AccessDenied", wantStatus: 403, wantIs: precheck.ErrLocked,
	}, {
		name: "EmptyFirst stops at a locked version",
		opts: []func(*precheck.Options){func(o *precheck.Options) { o.EmptyFirst = true }},
		call: func(c *s3.Client) error {
			_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
			return err
		},
		wantCode: "BucketNotEmpty", wantStatus: 409, wantIs: precheck.ErrLocked,
	}} {
		for _, withRetry := range []bool{false, true} {
			name := tc.name
			if withRetry {
				name += " with retry"
			}
			t.Run(name, func(t *testing.T) {
				opts := []func(*s3.Options){precheck.Enable(tc.opts...)}
				if withRetry {
					opts = append(opts, retry.OnConflict())
				}
				err := tc.call(lockBucketStub().Client(opts...))
				require.ErrorIs(t, err, tc.wantIs)
				var ae smithy.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.wantCode, ae.ErrorCode())
				var hs interface{ HTTPStatusCode() int }
				require.ErrorAs(t, err, &hs)
				assert.Equal(t, tc.wantStatus, hs.HTTPStatusCode())
			})
		}
	}
}

// A NotEmpty refusal names a key the bucket holds in SampleKey (the call
// named no key), and says nothing was sent: attempt 0.
func TestNotEmptyRefusalFields(t *testing.T) {
	c := lockBucketStub().Client(precheck.Enable())
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
	var ce *conflict.Error
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "k", ce.SampleKey)
	assert.Empty(t, ce.Key, "DeleteBucket names no key")
	assert.Zero(t, ce.Attempts, "nothing was sent")
	assert.Equal(t, 409, ce.StatusCode)
}

// With retry.OnConflict in front, a refusal still says nothing was sent:
// the error's Attempts and the loop's Stop event both say 0.
func TestRefusalWithRetrySaysNothingSent(t *testing.T) {
	var events []retry.Event
	c := lockBucketStub().Client(precheck.Enable(), retry.OnConflict(func(o *retry.Options) {
		o.OnEvent = func(e retry.Event) { events = append(events, e) }
	}))
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
	var ce *conflict.Error
	require.True(t, errors.As(err, &ce))
	assert.Zero(t, ce.Attempts, "the precheck refused it: nothing was sent")
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, retry.Stop, last.Action)
	assert.Zero(t, last.Attempt, "the Stop record says nothing was sent")
}
