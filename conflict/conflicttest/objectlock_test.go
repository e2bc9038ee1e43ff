package conflicttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/precheck"
)

func lockBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
}

// Object Lock keeps what it should: a version under GOVERNANCE retention
// yields only to the bypass, one under COMPLIANCE or a legal hold to
// nothing; a retention can be extended, not shortened; DeleteObjects
// reports each locked version; a delete without a version ID adds a
// marker as usual.
func TestObjectLockEnforced(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	b := aws.String("vault")
	lockBucket(t, c, *b)
	_, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: &types.ObjectLockConfiguration{
		ObjectLockEnabled: types.ObjectLockEnabledEnabled, Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{
			Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
	require.NoError(t, err)
	del := func(id *string, bypass bool) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: id, BypassGovernanceRetention: aws.Bool(bypass)})
		return err
	}

	v1 := s3test.Put(t, c, *b, "k", "governed").VersionId
	ret, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: aws.String("k"), VersionId: v1})
	require.NoError(t, err)
	assert.Equal(t, types.ObjectLockRetentionModeGovernance, ret.Retention.Mode, "the bucket's default")
	assert.True(t, ret.Retention.RetainUntilDate.After(time.Now()))
	assert.Equal(t, "AccessDenied", s3err.Code(del(v1, false)))
	require.NoError(t, del(v1, true), "GOVERNANCE yields to the bypass")

	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("held"),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	require.NoError(t, err)
	hold, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: b, Key: aws.String("k"), VersionId: out.VersionId})
	require.NoError(t, err)
	assert.Equal(t, types.ObjectLockLegalHoldStatusOn, hold.LegalHold.Status)
	assert.Equal(t, "AccessDenied", s3err.Code(del(out.VersionId, true)), "a legal hold yields to nothing")
	_, err = c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: b, Key: aws.String("k"), VersionId: out.VersionId,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	require.NoError(t, err)

	until := time.Now().Add(48 * time.Hour)
	retain := func(mode types.ObjectLockRetentionMode, until time.Time, bypass bool) error {
		_, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: b, Key: aws.String("k"), VersionId: out.VersionId,
			BypassGovernanceRetention: aws.Bool(bypass), Retention: &types.ObjectLockRetention{Mode: mode, RetainUntilDate: &until}})
		return err
	}
	require.NoError(t, retain(types.ObjectLockRetentionModeCompliance, until, false))
	assert.Equal(t, "AccessDenied", s3err.Code(retain(types.ObjectLockRetentionModeCompliance, until.Add(-time.Hour), true)), "COMPLIANCE cannot be shortened")
	assert.NoError(t, retain(types.ObjectLockRetentionModeCompliance, until.Add(time.Hour), false), "but extended")
	assert.Equal(t, "AccessDenied", s3err.Code(del(out.VersionId, true)))

	many, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, BypassGovernanceRetention: aws.Bool(true), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("k"), VersionId: out.VersionId}}}})
	require.NoError(t, err)
	assert.Empty(t, many.Deleted)
	require.Len(t, many.Errors, 1)
	assert.Equal(t, "AccessDenied", aws.ToString(many.Errors[0].Code))

	marker, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	require.NoError(t, err, "a delete marker is always allowed")
	assert.True(t, aws.ToBool(marker.DeleteMarker))
}

// Without Object Lock on the bucket, retention calls are refused as S3
// refuses them; with it, a version that never had one has none.
func TestObjectLockAbsent(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "plain")
	s3test.Put(t, c, "plain", "k", "x")
	_, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k")})
	assert.Equal(t, "InvalidRequest", s3err.Code(err))
	lockBucket(t, c, "vault")
	s3test.Put(t, c, "vault", "k", "x")
	_, err = c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("k")})
	assert.Equal(t, "NoSuchObjectLockConfiguration", s3err.Code(err))
	_, err = c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("k")})
	assert.Equal(t, "NoSuchObjectLockConfiguration", s3err.Code(err))
}

// precheck's Object Lock checks work against the in-process server: a
// locked version's delete is refused before it is sent, and EmptyFirst
// stops at it.
func TestObjectLockPrecheck(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	lockBucket(t, c, "vault")
	v := s3test.Put(t, c, "vault", "kept", "data").VersionId
	_, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("kept"), VersionId: v,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
	require.NoError(t, err)

	checked := srv.Client(precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
	_, err = checked.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("kept"), VersionId: v})
	assert.ErrorIs(t, err, precheck.ErrLocked)
	_, err = checked.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("vault")})
	assert.ErrorIs(t, err, precheck.ErrLocked)
	assert.Equal(t, "data", body(t, c, "vault", "kept", nil), "nothing was deleted")
}

// DeleteObject of a version with If-Match on an Object Lock bucket checks
// the ETag as on any bucket: a wrong one deletes nothing (412), and a
// right one still yields to the lock.
func TestObjectLockConditionalDelete(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	lockBucket(t, c, "vault")
	out := s3test.Put(t, c, "vault", "k", "data")
	del := func(ifMatch string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("k"),
			VersionId: out.VersionId, IfMatch: aws.String(ifMatch)})
		return err
	}
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(del(`"0123456789abcdef0123456789abcdef"`)))
	assert.Equal(t, "data", body(t, c, "vault", "k", out.VersionId), "a wrong ETag deletes nothing")
	s3test.LegalHold(t, c, "vault", "k", out.VersionId)
	assert.Equal(t, "AccessDenied", s3err.Code(del(aws.ToString(out.ETag))), "the lock still holds")
	_, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("k"), VersionId: out.VersionId,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	require.NoError(t, err)
	require.NoError(t, del(aws.ToString(out.ETag)))
	assert.Equal(t, "<404>", body(t, c, "vault", "k", nil), "the right ETag deletes the version")
}
