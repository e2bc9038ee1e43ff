package conflicttest_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// What a new bucket has before anyone configures it, as S3 gives it since
// 2023, and the answers for what it does not have.
func TestSubresourceDefaults(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	b := aws.String("fresh")
	mkBucket(t, c, *b)

	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets))
	own, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	require.NoError(t, err)
	assert.Equal(t, types.ObjectOwnershipBucketOwnerEnforced, own.OwnershipControls.Rules[0].ObjectOwnership)
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	require.NoError(t, err)
	assert.Equal(t, types.ServerSideEncryptionAes256, enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)

	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	assert.Equal(t, "NoSuchBucketPolicy", s3err.Code(err))
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	assert.Equal(t, "NoSuchTagSet", s3err.Code(err))
	_, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
	assert.Equal(t, "ObjectLockConfigurationNotFoundError", s3err.Code(err))
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
	assert.Equal(t, "AccessControlListNotSupported", s3err.Code(err), "ACLs are off on a new bucket")
	_, err = c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("no-such-bucket"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	assert.Equal(t, "NoSuchBucket", s3err.Code(err))
}

// A bucket created with Object Lock has it, with versioning on, and S3
// refuses to suspend its versioning.
func TestSubresourceObjectLockBucket(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	b := aws.String("locked")
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	lock, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
	require.NoError(t, err)
	assert.Equal(t, types.ObjectLockEnabledEnabled, lock.ObjectLockConfiguration.ObjectLockEnabled)
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	require.NoError(t, err)
	assert.Equal(t, types.BucketVersioningStatusEnabled, v.Status)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	assert.Equal(t, "InvalidBucketState", s3err.Code(err))
	assert.Equal(t, conflict.InvalidState, conflict.Classify(err))

	plain := aws.String("unversioned")
	mkBucket(t, c, *plain)
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: plain,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	assert.Equal(t, "InvalidBucketState", s3err.Code(err), "Object Lock needs versioning first")
}

// What the server does not serve answers 501 NotImplemented — never a
// conflict, and never a change to the bucket or the object.
func TestUnservedSubresources(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	b, k := aws.String("plain"), aws.String("report.csv")
	mkBucket(t, c, *b)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: k, Body: strings.NewReader("id,total")})
	require.NoError(t, err)

	calls := map[string]func() error{
		"PutBucketReplication": func() error {
			_, err := c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: b, ReplicationConfiguration: &types.ReplicationConfiguration{
				Role: aws.String("arn:aws:iam::1:role/r"), Rules: []types.ReplicationRule{{Status: types.ReplicationRuleStatusEnabled,
					Destination: &types.Destination{Bucket: aws.String("arn:aws:s3:::elsewhere")}}}}})
			return err
		},
		"GetBucketWebsite": func() error { _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b}); return err },
		"PutBucketLogging": func() error {
			_, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &types.BucketLoggingStatus{}})
			return err
		},
		"PutObjectTagging": func() error {
			_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: k, Tagging: &types.Tagging{TagSet: []types.Tag{}}})
			return err
		},
		"GetObjectAttributes": func() error {
			_, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: k,
				ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag}})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		assert.Equal(t, "NotImplemented", s3err.Code(err), name)
		assert.Equal(t, conflict.None, conflict.Classify(err), name)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: k})
	require.NoError(t, err)
	body, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	assert.Equal(t, "id,total", string(body), "the object is untouched")
	assert.Zero(t, countConflicts(srv))
}
