package precheck_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// recreate deletes the (empty) bucket name and creates it again, with or
// without Object Lock, through c: another client, as far as the checks know.
func recreate(t *testing.T, c *s3.Client, name string, lock bool) {
	t.Helper()
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	require.NoError(t, err)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(lock)})
	require.NoError(t, err)
}

// A cached fact never makes a call fail that S3 would accept: a bucket
// re-created by someone else without Object Lock may have its versioning
// suspended, although this client once learned it had Object Lock.
func TestStaleObjectLockFactNeverRefuses(t *testing.T) {
	p := plain(t)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable())
	suspend := func(name string) error {
		_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
		return err
	}

	name := s3test.NewBucket(t, p, true)
	require.ErrorIs(t, suspend(name), conflict.InvalidState, "learned: Object Lock")
	recreate(t, p, name, false)
	inj.Reset()
	require.NoError(t, suspend(name), "S3 accepts it now")
	assert.Equal(t, []string{"GetObjectLockConfiguration", "PutBucketVersioning"}, ops(inj), "re-verified before refusing")
}

// A bucket learned to be versioned, deleted and re-created unversioned by
// someone else: DeleteObject without a VersionId deletes the object, and
// UnversionedDelete does not refuse it on the cached fact (one fresh
// GetBucketVersioning first).
func TestStaleVersioningFactNeverRefuses(t *testing.T) {
	p := plain(t)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable(func(o *precheck.Options) { o.UnversionedDelete = precheck.On }))
	del := func(name string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k")})
		return err
	}

	name := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, name)
	require.ErrorIs(t, del(name), precheck.ErrWouldAddDeleteMarker, "learned: versioned")
	recreate(t, p, name, false)
	_, err := p.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("k")})
	require.NoError(t, err)
	inj.Reset()
	require.NoError(t, del(name), "S3 deletes the object now")
	assert.Equal(t, []string{"GetBucketVersioning", "DeleteObject"}, ops(inj), "re-verified before refusing")
	_, err = p.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &name, Key: aws.String("k")})
	assert.Equal(t, http.StatusNotFound, s3err.Status(err), "deleted")
}

// The reverse: a bucket learned to be without Object Lock, re-created with
// it, is not refused as "ours but without Object Lock" on CreateBucket.
func TestStaleNoLockFactNeverRefuses(t *testing.T) {
	p := plain(t)
	c, _ := counted(t, retry.OnConflict(), precheck.Enable(withAccount))
	name := s3test.NewBucket(t, p, true)
	recreate(t, p, name, false)
	s3test.EnableVersioning(t, p, name)
	// learn "no Object Lock" through a versioned delete
	out, err := p.PutObject(ctx, &s3.PutObjectInput{Bucket: &name, Key: aws.String("k")})
	require.NoError(t, err)
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k"), VersionId: out.VersionId})
	require.NoError(t, err)
	_, err = p.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k")})
	require.NoError(t, err)
	lv, err := p.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &name})
	require.NoError(t, err)
	for _, d := range lv.DeleteMarkers {
		_, err = p.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: d.Key, VersionId: d.VersionId})
		require.NoError(t, err)
	}
	recreate(t, p, name, true)

	o, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err, "ours, with Object Lock, as asked")
	res, _ := retry.ResultOf(o.ResultMetadata)
	assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
}

// This client's own DeleteBucket and CreateBucket of a name drop what it
// knew of the bucket: a re-created, unversioned bucket is not refused as
// versioned.
func TestOwnRecreateForgetsFacts(t *testing.T) {
	p := plain(t)
	c, inj := counted(t, precheck.Enable(withAccount, func(o *precheck.Options) { o.UnversionedDelete = precheck.On }))
	name := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, name)
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k")})
	require.ErrorIs(t, err, precheck.ErrWouldAddDeleteMarker, "learned: versioned")
	recreate(t, c, name, false)
	inj.Reset()
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k")})
	require.NoError(t, err)
	assert.Equal(t, []string{"GetBucketVersioning", "DeleteObject"}, ops(inj), "asked again")
}
