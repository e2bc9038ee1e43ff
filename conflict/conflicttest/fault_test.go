//go:build go1.25

package conflicttest_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// A fault with a window answers until the window closes, counted from its
// first match. Virtual time: the assertions hold to the nanosecond.
func TestFaultWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(), conflicttest.WithFaults(conflicttest.Fault{
			Operation: "PutBucketVersioning", Code: "OperationAborted", Window: 300 * time.Millisecond}))
		c := srv.Client()
		mkBucket(t, c, "bucket")
		ctx := context.Background()
		_, err := c.PutBucketVersioning(ctx, versioning("bucket"))
		require.Equal(t, "OperationAborted", s3err.Code(err), "the first match opens the window")
		time.Sleep(300*time.Millisecond - time.Nanosecond)
		_, err = c.PutBucketVersioning(ctx, versioning("bucket"))
		require.Equal(t, "OperationAborted", s3err.Code(err), "still inside")
		time.Sleep(time.Nanosecond)
		_, err = c.PutBucketVersioning(ctx, versioning("bucket"))
		require.NoError(t, err, "the window closed")
	})
}

// Latency delays the answer by exactly its amount, and a context that ends
// first ends the wait.
func TestFaultLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(),
			conflicttest.WithFaults(conflicttest.Fault{Operation: "HeadBucket", Latency: 200 * time.Millisecond}))
		c := srv.Client()
		mkBucket(t, c, "bucket")
		start := time.Now()
		_, err := c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("bucket")})
		require.NoError(t, err)
		assert.Equal(t, 200*time.Millisecond, time.Since(start))

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bucket")})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 50*time.Millisecond, time.Since(start))
	})
}
