package precheck_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

var ctx = context.Background()

func withAccount(o *precheck.Options) { o.AccountID = versitygw.Root.AccessKey }

func TestCreateBucketNewProceeds(t *testing.T) {
	c, inj := counted(t, retry.OnConflict(), precheck.Enable(withAccount))
	name := s3test.BucketName(t)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
	require.NoError(t, err)
	assert.Equal(t, []string{"HeadBucket", "CreateBucket"}, ops(inj))
}

func TestCreateBucketOwnedIsNotSent(t *testing.T) {
	name := s3test.NewBucket(t, plain(t), false)
	for _, tc := range []struct {
		name string
		opts []func(*precheck.Options)
	}{{"account-known", []func(*precheck.Options){withAccount}}} { // proven by listing: owner_test.go
		t.Run(tc.name, func(t *testing.T) {
			c, inj := counted(t, retry.OnConflict(), precheck.Enable(tc.opts...))
			out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
			require.NoError(t, err, "already owned is success under retry.OnConflict")
			res, ok := retry.ResultOf(out.ResultMetadata)
			require.True(t, ok)
			assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
			assert.Equal(t, []string{"HeadBucket"}, ops(inj), "CreateBucket never sent")

			// Without the retry layer the same answer is a typed error.
			c2, _ := counted(t, precheck.Enable(tc.opts...))
			_, err = c2.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
			assert.ErrorIs(t, err, conflict.AlreadyOwned)
		})
	}
}

// Another account's bucket: HeadBucket answers 403, which proves nothing;
// the call goes on and S3 says BucketAlreadyExists. 403 alone is never
// NameTaken.
func TestCreateBucketOthersFallsThrough(t *testing.T) {
	versitygw.Need(t, vgw)
	name := s3test.NewBucket(t, vgw.Client(versitygw.Other), false)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable(withAccount))
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
	require.ErrorIs(t, err, conflict.NameTaken)
	assert.Equal(t, []string{"HeadBucket", "CreateBucket"}, ops(inj))
	assert.Equal(t, 403, inj.Records()[0].Status)
}

func TestCreateBucketOwnedButDifferent(t *testing.T) {
	name := s3test.NewBucket(t, plain(t), false)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable(withAccount))
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(true)})
	require.ErrorIs(t, err, precheck.ErrMismatch)
	var pe *precheck.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "object lock", pe.Field)
	assert.NotContains(t, ops(inj), "CreateBucket")

	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name,
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest2}})
	require.ErrorIs(t, err, precheck.ErrMismatch)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "region", pe.Field)
	assert.Equal(t, "us-east-1", pe.Have)
}

func TestDeleteBucket(t *testing.T) {
	p := plain(t)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable())

	full := s3test.NewBucket(t, p, false)
	s3test.Put(t, p, full, "inside", "data")
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &full})
	require.ErrorIs(t, err, conflict.NotEmpty)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "inside", ce.SampleKey, "names a sample key")
	assert.Equal(t, []string{"ListObjectVersions"}, ops(inj), "DeleteBucket never sent")

	// only a delete marker left: still not empty
	marked := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, marked)
	s3test.Put(t, p, marked, "gone", "data")
	_, err = p.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &marked, Key: aws.String("gone")})
	require.NoError(t, err)
	_, err = p.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &marked, Key: aws.String("gone"), VersionId: firstVersion(t, p, marked, false)})
	require.NoError(t, err)
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &marked})
	require.ErrorIs(t, err, conflict.NotEmpty)

	inj.Reset()
	empty := s3test.NewBucket(t, p, false)
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &empty})
	require.NoError(t, err)
	assert.Equal(t, []string{"ListObjectVersions", "DeleteBucket"}, ops(inj))
}

// firstVersion returns the version ID of the first version (or delete
// marker when markers is true) of bucket.
func firstVersion(t *testing.T, c *s3.Client, bucket string, markers bool) *string {
	t.Helper()
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket})
	require.NoError(t, err)
	if markers {
		require.NotEmpty(t, lv.DeleteMarkers)
		return lv.DeleteMarkers[0].VersionId
	}
	require.NotEmpty(t, lv.Versions)
	return lv.Versions[0].VersionId
}

func TestEmptyFirst(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, name)
	for _, k := range []string{"a", "a", "b", "c/d"} {
		s3test.Put(t, p, name, k, "data")
	}
	_, err := p.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("b")}) // a delete marker
	require.NoError(t, err)

	var progress []precheck.Event
	c, _ := counted(t, precheck.Enable(func(o *precheck.Options) {
		o.EmptyFirst = true
		o.OnEvent = func(e precheck.Event) {
			if e.Outcome == "progress" {
				progress = append(progress, e)
			}
		}
	}))
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	require.NoError(t, err)
	require.NotEmpty(t, progress)
	assert.Equal(t, 5, progress[len(progress)-1].Deleted, "4 versions and 1 delete marker")
	_, err = p.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name})
	assert.Error(t, err, "the bucket is gone")
}

func TestEmptyFirstStopsAtLockedVersion(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, true)
	out := s3test.Put(t, p, name, "kept", "data")
	s3test.LegalHold(t, p, name, "kept", out.VersionId)
	c, inj := counted(t, precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	require.ErrorIs(t, err, precheck.ErrLocked)
	var pe *precheck.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "kept", pe.Key)
	assert.NotContains(t, ops(inj), "DeleteBucket")
	_, err = p.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &name, Key: aws.String("kept")})
	assert.NoError(t, err)
}

func TestLockedVersion(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, true)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	gov := s3test.Put(t, p, name, "governed", "data")
	_, err := p.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: &name, Key: aws.String("governed"), VersionId: gov.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: &until}})
	require.NoError(t, err)
	held := s3test.Put(t, p, name, "held", "data")
	s3test.LegalHold(t, p, name, "held", held.VersionId)
	free := s3test.Put(t, p, name, "free", "data")

	c, inj := counted(t, retry.OnConflict(), precheck.Enable())
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("governed"), VersionId: gov.VersionId})
	require.ErrorIs(t, err, precheck.ErrLocked)
	var pe *precheck.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, types.ObjectLockRetentionModeGovernance, pe.Mode)
	assert.True(t, pe.RetainUntil.Equal(until), "%v != %v", pe.RetainUntil, until)
	assert.Equal(t, aws.ToString(gov.VersionId), pe.VersionID)
	assert.NotContains(t, ops(inj), "DeleteObject")
	assert.Equal(t, []string{"GetObjectLockConfiguration", "GetObjectLegalHold", "GetObjectRetention"}, ops(inj), "cold: 3 requests")

	inj.Reset()
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("held"), VersionId: held.VersionId})
	require.ErrorIs(t, err, precheck.ErrLocked)
	require.ErrorAs(t, err, &pe)
	assert.True(t, pe.LegalHold)
	assert.Equal(t, []string{"GetObjectLegalHold"}, ops(inj), "warm: Object Lock is cached for good")

	inj.Reset()
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("free"), VersionId: free.VersionId})
	require.NoError(t, err)
	assert.Equal(t, []string{"GetObjectLegalHold", "GetObjectRetention", "DeleteObject"}, ops(inj))

	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("governed"), VersionId: gov.VersionId,
		BypassGovernanceRetention: aws.Bool(true)})
	require.NoError(t, err, "GOVERNANCE with bypass goes ahead")
}

func TestLockedVersionOnPlainBucketIsFreeWhenWarm(t *testing.T) {
	p := plain(t)
	name := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, name)
	v1, v2 := s3test.Put(t, p, name, "k", "data"), s3test.Put(t, p, name, "k", "data")
	c, inj := counted(t, precheck.Enable())
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k"), VersionId: v1.VersionId})
	require.NoError(t, err)
	assert.Equal(t, []string{"GetObjectLockConfiguration", "DeleteObject"}, ops(inj))
	inj.Reset()
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k"), VersionId: v2.VersionId})
	require.NoError(t, err)
	assert.Equal(t, []string{"DeleteObject"}, ops(inj))
}

func TestUnversionedDelete(t *testing.T) {
	p := plain(t)
	versioned := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, versioned)
	s3test.Put(t, p, versioned, "k", "data")
	c, inj := counted(t, precheck.Enable(func(o *precheck.Options) { o.UnversionedDelete = precheck.On }))
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &versioned, Key: aws.String("k")})
	require.ErrorIs(t, err, precheck.ErrWouldAddDeleteMarker)
	assert.Equal(t, []string{"GetBucketVersioning"}, ops(inj))
	inj.Reset()
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &versioned, Key: aws.String("k")})
	require.ErrorIs(t, err, precheck.ErrWouldAddDeleteMarker)
	assert.Equal(t, []string{"GetBucketVersioning"}, ops(inj), "warm: the cached fact is read again before it refuses")

	// This client suspends versioning: the cached fact is forgotten.
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &versioned,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	require.NoError(t, err)
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &versioned, Key: aws.String("k")})
	require.NoError(t, err)

	unversioned := s3test.NewBucket(t, p, false)
	s3test.Put(t, p, unversioned, "k", "data")
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &unversioned, Key: aws.String("k")})
	require.NoError(t, err)
}

func TestSuspendVersioningOnLockBucket(t *testing.T) {
	p := plain(t)
	locked := s3test.NewBucket(t, p, true)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable())
	suspend := &s3.PutBucketVersioningInput{Bucket: &locked,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}
	_, err := c.PutBucketVersioning(ctx, suspend)
	require.ErrorIs(t, err, conflict.InvalidState)
	assert.Equal(t, []string{"GetObjectLockConfiguration"}, ops(inj), "PutBucketVersioning never sent")

	plainBucket := s3test.NewBucket(t, p, false)
	s3test.EnableVersioning(t, p, plainBucket)
	suspend.Bucket = &plainBucket
	_, err = c.PutBucketVersioning(ctx, suspend)
	require.NoError(t, err)
}

// When a check cannot read what it needs, S3 decides: no error is made up.
func TestCheckFailureLetsS3Decide(t *testing.T) {
	versitygw.Need(t, vgw)
	p := plain(t)
	name := s3test.NewBucket(t, p, true)
	out := s3test.Put(t, p, name, "k", "data")
	other := vgw.Client(versitygw.Other, precheck.Enable())
	_, err := other.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("k"), VersionId: out.VersionId})
	require.Error(t, err, "S3 refuses the other account")
	assert.False(t, errors.Is(err, precheck.ErrLocked), "the refusal is S3's, not a guess of ours: %v", err)
}
