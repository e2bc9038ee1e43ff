package integration

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/internal/baseline"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/retry"
)

var runs atomic.Int64

type updateFunc = func(ctx context.Context) error

// BenchmarkContendedUpdate: W writers increment one JSON counter on
// versitygw, b.N increments in all, with
//   - naive: the hand-written loop that reads again and resends at once;
//   - jittered: the same loop with full-jitter exponential backoff;
//   - separate: retry.Updater, one client and one Updater per writer (as
//     if every writer were its own process: nothing to combine);
//   - shared: retry.Updater, one client and one Updater for all writers.
//
// It reports updates/s and requests per committed update, and checks the
// counter.
//
//	go test -run '^$' -bench ContendedUpdate -benchtime 400x -count 5 ./internal/integration/
func BenchmarkContendedUpdate(b *testing.B) {
	versitygw.Need(b, vgw)
	strategies := []struct {
		name string
		// make returns writer i's update function, given a client maker.
		make func(newClient func() *s3.Client, bucket, key string) func(i int) updateFunc
	}{
		{"naive", baselineRMW(baseline.NaiveRMW())},
		{"jittered", baselineRMW(baseline.JitteredRMW())},
		{"separate", func(newClient func() *s3.Client, bucket, key string) func(int) updateFunc {
			return func(int) updateFunc {
				u := retry.NewUpdater(newClient())
				return func(ctx context.Context) error { _, err := u.Update(ctx, bucket, key, increment); return err }
			}
		}},
		{"shared", func(newClient func() *s3.Client, bucket, key string) func(int) updateFunc {
			u := retry.NewUpdater(newClient())
			return func(int) updateFunc {
				return func(ctx context.Context) error { _, err := u.Update(ctx, bucket, key, increment); return err }
			}
		}},
	}
	setup := vgw.Client(versitygw.Root)
	bucket := s3test.NewBucket(b, setup, false)
	for _, s := range strategies {
		for _, writers := range []int{1, 4, 16} {
			b.Run(s.name+"/writers="+strconv.Itoa(writers), func(b *testing.B) {
				key := b.Name() + "/" + strconv.FormatInt(runs.Add(1), 10) // fresh per run: the counter starts at 0
				var requests atomic.Int64
				newClient := func() *s3.Client {
					return vgw.Client(versitygw.Root, s3test.CountRequests(&requests))
				}
				writer := s.make(newClient, bucket, key)
				fns := make([]updateFunc, writers)
				for i := range fns {
					fns[i] = writer(i)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Int64
				b.ResetTimer()
				start := time.Now()
				for i := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							if err := fns[i](context.Background()); err != nil {
								failed.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				if failed.Load() > 0 {
					b.Fatalf("%d updates failed", failed.Load())
				}
				if got := counter(b, setup, bucket, key); got != b.N {
					b.Fatalf("counter is %d after %d updates", got, b.N)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
				b.ReportMetric(float64(requests.Load())/float64(b.N), "req/update")
			})
		}
	}
}

func baselineRMW(r baseline.RMW) func(func() *s3.Client, string, string) func(int) func(context.Context) error {
	return func(newClient func() *s3.Client, bucket, key string) func(int) func(context.Context) error {
		return func(int) func(context.Context) error {
			c := newClient()
			return func(ctx context.Context) error { return r.Update(ctx, c, bucket, key, increment) }
		}
	}
}
