// Package s3test sets up S3 state for this module's tests: fresh bucket
// names, buckets, objects and versioning, failing the test on error.
package s3test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

var seq atomic.Int64

// BucketName returns a fresh, valid bucket name made from the test's name.
func BucketName(t testing.TB) string {
	base := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	return fmt.Sprintf("%s-%d-%d", strings.Trim(base, "-"), time.Now().UnixNano()%1e6, seq.Add(1))
}

// NewBucket creates a bucket with a fresh name, with Object Lock when lock.
func NewBucket(t testing.TB, c *s3.Client, lock bool) string {
	t.Helper()
	name := BucketName(t)
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(lock)})
	if err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	return name
}

// Put stores body under key.
func Put(t testing.TB, c *s3.Client, bucket, key, body string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("putting %s/%s: %v", bucket, key, err)
	}
	return out
}

// Get returns the content of key.
func Get(t testing.TB, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("getting %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return string(b)
}

// CreateBucket creates the bucket name.
func CreateBucket(t testing.TB, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
}

// VersionedBucket creates the bucket name with versioning on.
func VersionedBucket(t testing.TB, c *s3.Client, name string) {
	t.Helper()
	CreateBucket(t, c, name)
	EnableVersioning(t, c, name)
}

// EnableVersioning turns versioning on.
func EnableVersioning(t testing.TB, c *s3.Client, bucket string) {
	t.Helper()
	_, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatalf("enabling versioning on %s: %v", bucket, err)
	}
}

// LegalHold puts a legal hold on a version.
func LegalHold(t testing.TB, c *s3.Client, bucket, key string, versionID *string) {
	t.Helper()
	_, err := c.PutObjectLegalHold(context.Background(), &s3.PutObjectLegalHoldInput{Bucket: &bucket, Key: &key, VersionId: versionID,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
	if err != nil {
		t.Fatalf("legal hold on %s/%s: %v", bucket, key, err)
	}
}
