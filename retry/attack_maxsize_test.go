//go:build go1.25

package retry_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// Another writer keeps rewriting the key, and once the waiter watches it
// (after two lost races) with content larger than the waiter's MaxSize
// (200 KiB, cap 100 KiB; over 64 KiB, so the confirming reads are
// HeadObjects too), and never stops. The waiter must fail with
// ErrTooLarge: every HeadObject probe says the object's size. It fails with ErrMaxAttempts ("other writers kept
// changing the object") after MaxRounds instead, a cap that by default
// is 100 rounds of up to 150 ms.
func TestAttackWatcherOnOversizedBusyKeySaysTooLarge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "oversized", "k"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		c := srv.Client()
		watching := make(chan struct{})
		var once sync.Once
		put := func(i int) {
			body := strconv.Itoa(i)
			select {
			case <-watching:
				body += strings.Repeat(" ", 200<<10)
			default:
			}
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				Body: strings.NewReader(body)})
			require.NoError(t, err)
		}
		put(0)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				put(i)
			}
		})
		// Small until the waiter watches (after its two writes lost),
		// then 200 KiB (MaxSize 100 KiB).
		waiter := retry.NewUpdater(srv.Client(loseTwice), func(o *retry.UpdateOptions) {
			o.MaxSize = 100 << 10
			o.MaxRounds = 10
			o.OnEvent = func(e retry.Event) {
				if e.Action == retry.Retry && e.Attempt >= 2 { // lost twice: watching
					once.Do(func() { close(watching) })
				}
			}
		})
		_, err := waiter.Update(ctx, bucket, key, retry.Incr)
		close(stop)
		wg.Wait()
		require.Error(t, err)
		assert.ErrorIs(t, err, retry.ErrTooLarge, "got: %v", err)
		assert.NotErrorIs(t, err, retry.ErrMaxAttempts)
	})
}
