package retry_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// dropOpts is an ObjectClient that ignores the per-call options (a
// wrapper that forgets to pass optFns on; a mock; a client of another
// SDK version behind an adapter).
type dropOpts struct{ c *s3.Client }

func (d dropOpts) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return d.c.GetObject(ctx, in)
}

func (d dropOpts) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return d.c.PutObject(ctx, in)
}

// Attack (promise 2): through an ObjectClient that ignores optFns, the
// Updater's write lands, its answer is lost, the SDK resends it and the
// resend is refused 412 by our own first send. The update must be in the
// object once: never applied again, never reported lost.
func TestAttack2ClientIgnoringOptFns(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"plain client", "OnConflict client"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := conflicttest.NewServer(t)
			setup := srv.Client()
			bucket := s3test.NewBucket(t, setup, false)
			_, err := retry.Update(context.Background(), setup, bucket, "n", retry.Incr)
			require.NoError(t, err)
			opts := []func(*s3.Options){s3test.QuickSDKRetries}
			if name == "OnConflict client" {
				opts = append(opts, retry.OnConflict(fast))
			}
			c := srv.Client(opts...)
			srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Key: "n", LoseResponse: true, Times: 1})
			_, err = retry.Update(context.Background(), dropOpts{c}, bucket, "n", retry.Incr, noWait)
			t.Logf("error: %v", err)
			got := get(t, setup, bucket, "n")
			switch {
			case err == nil:
				assert.Equal(t, "2", got, "a success: the update is in the object once")
			default:
				assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "the update landed: only ambiguous may say so")
				assert.Equal(t, "2", got)
			}
		})
	}
}
