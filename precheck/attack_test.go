package precheck_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// 64 goroutines share one checked client on four bucket names: creates,
// writes, versioned deletes, versioning changes and (emptying) deletes of
// the same buckets. Every call returns, with success or an error that
// says what it is (run with -race).
func TestConcurrentChecksOnOneClient(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client(retry.OnConflict(), precheck.Enable(func(o *precheck.Options) {
		o.EmptyFirst = true
		o.LockedVersionBatch = precheck.On
	}))
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bucket := aws.String(fmt.Sprintf("shared-%d", i%4))
			key := aws.String(fmt.Sprintf("k%d", i%8))
			var err error
			switch i % 6 {
			case 0:
				_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
			case 1:
				_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("data")})
			case 2:
				_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key, VersionId: aws.String("null")})
			case 3:
				_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket,
					VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
			case 4:
				_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
					{Key: key, VersionId: aws.String("null")}}}})
			case 5:
				_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket})
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		var ae smithy.APIError
		var pe *precheck.Error
		known := conflict.Classify(err) != conflict.None || errors.As(err, &pe) || errors.As(err, &ae)
		assert.True(t, known, "call %d: an error that says nothing of what it is: %v", i, err)
	}
}

// A cancelled context: nothing is sent, and the error says so.
func TestCancelledContextSendsNothing(t *testing.T) {
	stub := s3stub.New()
	c := stub.Client(retry.OnConflict(), precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, call := range map[string]func() error{
		"CreateBucket": func() error {
			_, err := c.CreateBucket(cctx, &s3.CreateBucketInput{Bucket: aws.String("b")})
			return err
		},
		"DeleteBucket": func() error {
			_, err := c.DeleteBucket(cctx, &s3.DeleteBucketInput{Bucket: aws.String("b")})
			return err
		},
		"DeleteObject": func() error {
			_, err := c.DeleteObject(cctx, &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), VersionId: aws.String("v")})
			return err
		},
	} {
		require.ErrorIs(t, call(), context.Canceled, name)
	}
	assert.Zero(t, stub.Count())
}
