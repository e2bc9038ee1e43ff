package retry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// Do around a client that has OnConflict: one decision-maker per call. The
// client's loop steps aside inside Do, so a storm costs Do's attempts, not
// Do's times the client's, and the error's count is what was sent.
func TestDoAroundOnConflictDoesNotMultiply(t *testing.T) {
	t.Parallel()
	stub := s3stub.New()
	stub.Default = aborted()
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

// Inside Do, a conditional write whose first send landed unheard (the SDK's
// resend answered 409) is resent by Do's next pass and answered 412: every
// send of the write across Do's passes counts, and the tokens of its
// earlier passes prove it ours.
func TestDoResolvesOwnWriteAcrossPasses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		noToken bool
	}{{"token proves it", false}, {"no token: ambiguous", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := conflicttest.NewServer(t, conflicttest.WithFaults(
				conflicttest.Fault{Operation: "PutObject", Key: "claim", LoseResponse: true, Times: 1},
				conflicttest.Fault{Operation: "PutObject", Key: "claim", Code: "ConditionalRequestConflict", Times: 1},
			))
			c := srv.Client(sdkNoWait, retry.OnConflict(fast, func(o *retry.Options) { o.NoWriteToken = tc.noToken }))
			_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("claims")})
			require.NoError(t, err)
			var out *s3.PutObjectOutput
			passes := 0
			err = retry.Do(context.Background(), func(ctx context.Context) error {
				passes++
				var err error
				out, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("claims"), Key: aws.String("claim"),
					Body: strings.NewReader("ours"), IfNoneMatch: aws.String("*")})
				return err
			}, fast)
			assert.Equal(t, 2, passes)
			assert.Equal(t, 3, srv.Faults.Count("PutObject"), "lost, 409 to the SDK's resend, 412 to Do's pass 2")
			if tc.noToken {
				require.ErrorIs(t, err, retry.ErrAmbiguousWrite)
				assert.ErrorIs(t, err, conflict.PreconditionFailed)
				return
			}
			require.NoError(t, err, "our own write is not a lost race")
			res, ok := retry.ResultOf(out.ResultMetadata)
			require.True(t, ok)
			assert.True(t, res.WriteProven)
		})
	}
}

// A Do inside another Do's op calls its op once: the outer Do decides.
func TestNestedDoDoesNotMultiply(t *testing.T) {
	t.Parallel()
	stub := s3stub.New()
	stub.Default = aborted()
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
