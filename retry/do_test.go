package retry_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/retry"
)

// Do around a client that has OnConflict: one decision-maker per call. The
// client's loop steps aside inside Do, so a storm costs Do's attempts, not
// Do's times the client's, and the error's count is what was sent.
func TestDoAroundOnConflictDoesNotMultiply(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	three := func(o *retry.Options) { o.MaxAttempts = 3 }
	var clientEvents, doEvents []retry.Event
	c := stub.Client(retry.OnConflict(fast, three, func(o *retry.Options) {
		o.OnEvent = func(e retry.Event) { clientEvents = append(clientEvents, e) }
	}))
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		_, err := c.PutBucketTagging(ctx, tagging("b"))
		return err
	}, fast, three, func(o *retry.Options) {
		o.OnEvent = func(e retry.Event) { doEvents = append(doEvents, e) }
	})
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.ErrorIs(t, err, conflict.Transient)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 3, ce.Attempts)
	assert.Equal(t, 3, stub.Count(), "requests at the wire: Do's three, not 3×3")
	assert.Empty(t, clientEvents, "the client's loop made no decision inside Do")
	assert.Len(t, doEvents, 3, "two retries and one stop, all Do's")

	// Outside Do the same client still retries on its own.
	_, err = c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("b")})
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 6, stub.Count())
}

// A Do inside another Do's op calls its op once: the outer Do decides.
func TestNestedDoDoesNotMultiply(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	c := stub.Client()
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		return retry.Do(ctx, func(ctx context.Context) error {
			_, err := c.PutBucketTagging(ctx, tagging("b"))
			return err
		}, fast, func(o *retry.Options) { o.MaxAttempts = 5 })
	}, fast, func(o *retry.Options) { o.MaxAttempts = 2 })
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 2, stub.Count(), "the outer Do's two attempts, not 2×5")
}
