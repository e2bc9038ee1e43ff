package retry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
)

// An uncontended call allocates nothing for coordination: a configuration
// write takes and gives back its bucket's lane (reused), other operations
// never touch the coordinator.
func TestCoordUncontendedAllocatesNothing(t *testing.T) {
	m := newMiddleware(newLoop(nil, true), nil)
	for _, params := range []any{
		&s3.PutBucketTaggingInput{Bucket: aws.String("b")},
		&s3.CreateBucketInput{Bucket: aws.String("b")},
		&s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("k")},
	} {
		in := middleware.InitializeInput{Parameters: params}
		allocs := testing.AllocsPerRun(100, func() {
			_, _, _ = m.HandleInitialize(context.Background(), in, nopNext)
		})
		assert.Zero(t, allocs, "%T", params)
	}
	for b, ln := range m.coord.lanes {
		assert.False(t, ln.busy, "lane %s given back", b)
	}
}

// The shared delay: the backoff's delay divided among the callers, within
// MinSharedDelay and the delay itself.
func TestShareDelay(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		d    time.Duration
		k    int
		want time.Duration
	}{
		{1000 * ms, 0, 1000 * ms}, {1000 * ms, 4, 200 * ms}, {1000 * ms, 49, 100 * ms}, {50 * ms, 49, 50 * ms}, {150 * ms, 9, 100 * ms},
	} {
		assert.Equal(t, tc.want, shareDelay(tc.d, tc.k), "%v, %d behind", tc.d, tc.k)
	}
}

// Idle lanes are kept for reuse up to maxIdle; a client that writes many
// buckets does not keep one per bucket for ever.
func TestCoordIdleLanesBounded(t *testing.T) {
	c := newCoordinator()
	for i := range 10 * maxIdle {
		ln, tn := c.acquire(fmt.Sprintf("bucket-%d", i))
		assert.Nil(t, tn)
		c.release(ln)
		assert.LessOrEqual(t, len(c.lanes), maxIdle+1)
	}
	ln, _ := c.acquire("held")
	for i := range 2 * maxIdle {
		l, _ := c.acquire(fmt.Sprintf("other-%d", i))
		c.release(l)
	}
	_, tn := c.acquire("held")
	assert.NotNil(t, tn, "a held lane is never forgotten")
	c.release(ln)
	<-tn.ready
}
