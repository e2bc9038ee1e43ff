package main

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// configuration is one bucket setting: how to write it, and whether what
// S3 serves back is what was written.
type configuration struct {
	name  string
	put   func(context.Context, *s3.Client) error
	check func(context.Context, *s3.Client) (bool, error)
}

// configurations are the settings a service gives its bucket at start-up.
func configurations(bucket string) []configuration {
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*",` +
		`"Action":"s3:*","Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"],` +
		`"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	block := &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true),
		IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}, {Key: aws.String("env"), Value: aws.String("prod")}}
	rule := types.LifecycleRule{ID: aws.String("abort-incomplete-uploads"), Status: types.ExpirationStatusEnabled,
		Filter:                         &types.LifecycleRuleFilter{Prefix: aws.String("")},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)}}
	b := &bucket
	return []configuration{
		{"policy", func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: &policy})
			return err
		}, func(ctx context.Context, c *s3.Client) (bool, error) {
			got, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
			if err != nil {
				return false, err
			}
			return sameJSON(aws.ToString(got.Policy), policy), nil
		}},
		{"public access block", func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: block})
			return err
		}, func(ctx context.Context, c *s3.Client) (bool, error) {
			got, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
			if err != nil {
				return false, err
			}
			return reflect.DeepEqual(got.PublicAccessBlockConfiguration, block), nil
		}},
		{"tagging", func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: tags}})
			return err
		}, func(ctx context.Context, c *s3.Client) (bool, error) {
			got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
			if err != nil {
				return false, err
			}
			return tagMap(got.TagSet) == tagMap(tags), nil
		}},
		{"versioning", func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
			return err
		}, func(ctx context.Context, c *s3.Client) (bool, error) {
			got, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
			if err != nil {
				return false, err
			}
			return got.Status == types.BucketVersioningStatusEnabled, nil
		}},
		{"lifecycle", func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{rule}}})
			return err
		}, func(ctx context.Context, c *s3.Client) (bool, error) {
			got, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
			if err != nil {
				return false, err
			}
			return len(got.Rules) == 1 && aws.ToString(got.Rules[0].ID) == *rule.ID &&
				got.Rules[0].AbortIncompleteMultipartUpload != nil &&
				aws.ToInt32(got.Rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation) == 7, nil
		}},
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// tagMap makes a comparable form of a tag set, whose order S3 may change.
func tagMap(tags []types.Tag) [8]string {
	var m [8]string
	for i, t := range tags {
		if i < 4 {
			m[2*i], m[2*i+1] = aws.ToString(t.Key), aws.ToString(t.Value)
		}
	}
	return m
}
