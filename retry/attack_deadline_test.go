//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/retry"
)

func appendMark(mark string) retry.UpdateFunc {
	return func(cur []byte, _ bool) ([]byte, error) {
		return append(append([]byte(nil), cur...), mark...), nil
	}
}

// A watching update whose context expires at moments 7 ms apart across its watch
// (the HeadObject probe in flight, the short confirming wait, the full
// wait, the read, the write): it returns; with nil its mark is there once;
// with an error other than ErrAmbiguousWrite its mark is not there.
func TestAttackDeadlineWhileWatching(t *testing.T) {
	for d := 20 * time.Millisecond; d < 400*time.Millisecond; d += 7 * time.Millisecond {
		synctest.Test(t, func(t *testing.T) {
			bg := context.Background()
			bucket, key := "deadline", "k"
			srv := slowServer(t, 2*time.Millisecond, bucket)
			busy := retry.NewUpdater(srv.Client())
			waiter := retry.NewUpdater(srv.Client(loseTwice))
			started := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 150 {
					_, err := busy.Update(bg, bucket, key, appendMark("b"))
					assert.NoError(t, err)
					if i == 2 {
						close(started)
					}
				}
			})
			<-started
			ctx, cancel := context.WithTimeout(bg, d)
			defer cancel()
			// two updates in the waiter's queue: one leads, one waits
			var werr [2]error
			var ww sync.WaitGroup
			for i := range 2 {
				ww.Go(func() { _, werr[i] = waiter.Update(ctx, bucket, key, appendMark("W")) })
			}
			ww.Wait()
			wg.Wait()
			got := strings.Count(get(t, srv.Client(), bucket, key), "W")
			ok, maybe := 0, 0
			for _, err := range werr {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, retry.ErrAmbiguousWrite):
					maybe++
				default:
					assert.True(t, errors.Is(err, context.DeadlineExceeded), "deadline %v: %v", d, err)
				}
			}
			assert.GreaterOrEqual(t, got, ok, "deadline %v: an update that returned nil is missing", d)
			assert.LessOrEqual(t, got, ok+maybe, "deadline %v: an update that failed committed", d)
		})
	}
}
