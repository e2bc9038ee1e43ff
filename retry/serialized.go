package retry

import "github.com/aws/aws-sdk-go-v2/service/s3"

// serialized reports whether params is the input of an operation that S3
// applies one at a time per bucket, and returns its bucket: the
// configuration writes of a bucket (every Put and Delete of a bucket
// sub-resource, PutPublicAccessBlock, PutObjectLockConfiguration, the
// metadata table configuration), and CreateBucket and DeleteBucket of the
// name. Calls of one client to one bucket among these queue instead of
// racing (see coordinator). Operations added to the SDK after service/s3
// v1.89.0 are not listed: they are sent as they come.
func serialized(params any) (bucket string, ok bool) {
	var b *string
	switch in := params.(type) {
	case *s3.CreateBucketInput:
		b = in.Bucket
	case *s3.DeleteBucketInput:
		b = in.Bucket
	case *s3.CreateBucketMetadataConfigurationInput:
		b = in.Bucket
	case *s3.CreateBucketMetadataTableConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketAnalyticsConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketCorsInput:
		b = in.Bucket
	case *s3.DeleteBucketEncryptionInput:
		b = in.Bucket
	case *s3.DeleteBucketIntelligentTieringConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketInventoryConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketLifecycleInput:
		b = in.Bucket
	case *s3.DeleteBucketMetadataConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketMetadataTableConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketMetricsConfigurationInput:
		b = in.Bucket
	case *s3.DeleteBucketOwnershipControlsInput:
		b = in.Bucket
	case *s3.DeleteBucketPolicyInput:
		b = in.Bucket
	case *s3.DeleteBucketReplicationInput:
		b = in.Bucket
	case *s3.DeleteBucketTaggingInput:
		b = in.Bucket
	case *s3.DeleteBucketWebsiteInput:
		b = in.Bucket
	case *s3.DeletePublicAccessBlockInput:
		b = in.Bucket
	case *s3.PutBucketAccelerateConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketAclInput:
		b = in.Bucket
	case *s3.PutBucketAnalyticsConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketCorsInput:
		b = in.Bucket
	case *s3.PutBucketEncryptionInput:
		b = in.Bucket
	case *s3.PutBucketIntelligentTieringConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketInventoryConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketLifecycleConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketLoggingInput:
		b = in.Bucket
	case *s3.PutBucketMetricsConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketNotificationConfigurationInput:
		b = in.Bucket
	case *s3.PutBucketOwnershipControlsInput:
		b = in.Bucket
	case *s3.PutBucketPolicyInput:
		b = in.Bucket
	case *s3.PutBucketReplicationInput:
		b = in.Bucket
	case *s3.PutBucketRequestPaymentInput:
		b = in.Bucket
	case *s3.PutBucketTaggingInput:
		b = in.Bucket
	case *s3.PutBucketVersioningInput:
		b = in.Bucket
	case *s3.PutBucketWebsiteInput:
		b = in.Bucket
	case *s3.PutObjectLockConfigurationInput:
		b = in.Bucket
	case *s3.PutPublicAccessBlockInput:
		b = in.Bucket
	default:
		return "", false
	}
	if b == nil {
		return "", false
	}
	return *b, true
}
