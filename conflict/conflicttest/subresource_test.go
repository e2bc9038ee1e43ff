package conflicttest_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// Every bucket sub-resource the server serves round-trips through its Get
// with the SDK's own serializers, and its Delete (where S3 has one) leaves
// S3's answer for "none".
func TestSubresourcesRoundTrip(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	b := aws.String("configured")
	mkBucket(t, c, *b)
	policy := policyDoc(*b)

	tests := []struct {
		op    string // the Put operation
		put   func() error
		check func(t *testing.T) // the Get after the put
		del   func() error       // nil: S3 has no Delete
		gone  func() error       // the Get after the delete
		code  string             // its code; "": a default comes back
	}{
		{"PutBucketPolicy",
			func() error {
				_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: &policy})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
				require.NoError(t, err)
				assert.JSONEq(t, policy, aws.ToString(out.Policy))
				st, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: b})
				require.NoError(t, err)
				assert.False(t, aws.ToBool(st.PolicyStatus.IsPublic), "a Deny is not public")
			},
			func() error { _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b}); return err },
			func() error { _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); return err },
			"NoSuchBucketPolicy"},
		{"PutBucketTagging",
			func() error {
				_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{
					TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}, {Key: aws.String("env"), Value: aws.String("prod")}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
				require.NoError(t, err)
				require.Len(t, out.TagSet, 2)
				assert.Equal(t, "team", aws.ToString(out.TagSet[0].Key))
				assert.Equal(t, "prod", aws.ToString(out.TagSet[1].Value))
			},
			func() error {
				_, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b})
				return err
			},
			func() error { _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); return err },
			"NoSuchTagSet"},
		{"PutBucketLifecycleConfiguration",
			func() error {
				_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
					LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
						ID: aws.String("expire-tmp"), Status: types.ExpirationStatusEnabled,
						Filter:     &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
						Expiration: &types.LifecycleExpiration{Days: aws.Int32(7)}}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
				require.NoError(t, err)
				require.Len(t, out.Rules, 1)
				assert.Equal(t, "expire-tmp", aws.ToString(out.Rules[0].ID))
				assert.Equal(t, int32(7), aws.ToInt32(out.Rules[0].Expiration.Days))
				assert.Equal(t, "tmp/", aws.ToString(out.Rules[0].Filter.Prefix))
			},
			func() error {
				_, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b})
				return err
			},
			func() error {
				_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
				return err
			},
			"NoSuchLifecycleConfiguration"},
		{"PutPublicAccessBlock",
			func() error {
				_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
					PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(false)}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
				require.NoError(t, err)
				assert.True(t, aws.ToBool(out.PublicAccessBlockConfiguration.BlockPublicAcls))
				assert.False(t, aws.ToBool(out.PublicAccessBlockConfiguration.BlockPublicPolicy))
			},
			func() error {
				_, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b})
				return err
			},
			func() error {
				_, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
				return err
			},
			"NoSuchPublicAccessBlockConfiguration"},
		{"PutBucketOwnershipControls",
			func() error {
				_, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
					Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerPreferred}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
				require.NoError(t, err)
				assert.Equal(t, types.ObjectOwnershipBucketOwnerPreferred, out.OwnershipControls.Rules[0].ObjectOwnership)
			},
			func() error {
				_, err := c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: b})
				return err
			},
			func() error {
				_, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
				return err
			},
			"OwnershipControlsNotFoundError"},
		{"PutBucketAcl", // once ownership controls are gone

			func() error {
				_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
				require.NoError(t, err)
				require.Len(t, out.Grants, 2)
				assert.Equal(t, types.PermissionFullControl, out.Grants[0].Permission)
				assert.Equal(t, types.TypeGroup, out.Grants[1].Grantee.Type)
				assert.Equal(t, types.PermissionRead, out.Grants[1].Permission)
			},
			nil, nil, ""},
		{"PutBucketEncryption",
			func() error {
				_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
					Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
						SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/ledger")}}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
				require.NoError(t, err)
				d := out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
				assert.Equal(t, types.ServerSideEncryptionAwsKms, d.SSEAlgorithm)
				assert.Equal(t, "alias/ledger", aws.ToString(d.KMSMasterKeyID))
			},
			func() error {
				_, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: b})
				return err
			},
			func() error {
				out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
				if err == nil && out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
					return errors.New("not back to SSE-S3")
				}
				return err
			},
			""},
		{"PutBucketCors",
			func() error {
				_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{
					CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://example.com"}}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
				require.NoError(t, err)
				require.Len(t, out.CORSRules, 1)
				assert.Equal(t, []string{"https://example.com"}, out.CORSRules[0].AllowedOrigins)
			},
			func() error { _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b}); return err },
			func() error { _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); return err },
			"NoSuchCORSConfiguration"},
		{"PutBucketVersioning",
			func() error { _, err := c.PutBucketVersioning(ctx, versioning(*b)); return err },
			func(t *testing.T) {
				out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
				require.NoError(t, err)
				assert.Equal(t, types.BucketVersioningStatusEnabled, out.Status)
			},
			nil, nil, ""},
		{"PutObjectLockConfiguration", // once versioning is on

			func() error {
				_, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: &types.ObjectLockConfiguration{
					ObjectLockEnabled: types.ObjectLockEnabledEnabled, Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{
						Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
				return err
			},
			func(t *testing.T) {
				out, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
				require.NoError(t, err)
				assert.Equal(t, types.ObjectLockEnabledEnabled, out.ObjectLockConfiguration.ObjectLockEnabled)
				assert.Equal(t, types.ObjectLockRetentionModeGovernance, out.ObjectLockConfiguration.Rule.DefaultRetention.Mode)
			},
			nil, nil, ""},
	}
	served := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			require.NoError(t, tt.put())
			tt.check(t)
			served[tt.op] = true
			if tt.del == nil {
				return
			}
			served[deleteOf[tt.op]] = true
			require.NoError(t, tt.del())
			err := tt.gone()
			if tt.code == "" {
				assert.NoError(t, err, "the default is back")
			} else {
				assert.Equal(t, tt.code, s3err.Code(err))
			}
		})
	}
	assert.Zero(t, countConflicts(srv), "no conflict anywhere")

	// Every configuration write the README and the examples show is one
	// of these.
	for _, op := range documentedConfigWrites(t) {
		assert.True(t, served[op], "%s is in the README or an example but does not round-trip here", op)
	}
}

// deleteOf names the Delete operation of a Put.
var deleteOf = map[string]string{
	"PutBucketPolicy": "DeleteBucketPolicy", "PutBucketTagging": "DeleteBucketTagging",
	"PutBucketLifecycleConfiguration": "DeleteBucketLifecycle", "PutPublicAccessBlock": "DeletePublicAccessBlock",
	"PutBucketOwnershipControls": "DeleteBucketOwnershipControls", "PutBucketEncryption": "DeleteBucketEncryption",
	"PutBucketCors": "DeleteBucketCors",
}

// documentedConfigWrites returns the bucket configuration writes called in
// README.md and examples/.
func documentedConfigWrites(t *testing.T) []string {
	t.Helper()
	files := []string{"../../README.md"}
	err := filepath.WalkDir("../../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return err
	})
	require.NoError(t, err)
	call := regexp.MustCompile(`\.((?:Put|Delete)(?:Bucket[A-Za-z]+|PublicAccessBlock|ObjectLockConfiguration))\(`)
	var ops []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			ops = append(ops, m[1])
		}
	}
	require.NotEmpty(t, ops, "the README shows configuration writes")
	return ops
}

func countConflicts(srv *conflicttest.Server) int {
	n := 0
	for _, r := range srv.Faults.Records() {
		if r.Status == 409 {
			n++
		}
	}
	return n
}
