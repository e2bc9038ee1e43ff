package crowd

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Contended is the job of integration's BenchmarkContendedUpdate under
// virtual time: writers goroutines increment one decimal counter n times
// in all with retry.Updater, each taking the next increment as soon as its
// last one committed; separate writers have one client and Updater each
// (as if each were its own process), shared ones one client and Updater
// for all. The in-process server (conflicttest) answers every request
// answer after it arrives, whatever else it is doing: unlike the real
// server on a shared machine, no writer is slowed by the others' requests,
// so the figures measure the protocol — waits, hand-overs, requests — and
// not the machine. Run inside a testing/synctest bubble; it fails t unless
// the counter ends at n and every update succeeded.
func Contended(t testing.TB, writers, n int, shared bool, answer time.Duration) Load {
	t.Helper()
	ctx := context.Background()
	bucket, key := "contended", "counter"
	srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(),
		conflicttest.WithFaults(conflicttest.Fault{Latency: answer}))
	s3test.CreateBucket(t, srv.Client(), bucket)
	var requests atomic.Int64
	newUpdater := func() *retry.Updater {
		return retry.NewUpdater(srv.Client(s3test.CountRequests(&requests)))
	}
	updaters := make([]*retry.Updater, writers)
	for i := range updaters {
		if i == 0 || !shared {
			updaters[i] = newUpdater()
		} else {
			updaters[i] = updaters[0]
		}
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, u := range updaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, err := u.Update(ctx, bucket, key, increment); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	l := Load{Elapsed: time.Since(start), Requests: requests.Load()}
	if got := s3test.Get(t, srv.Client(), bucket, key); failed.Load() > 0 || got != strconv.Itoa(n) {
		t.Fatalf("%d writers: %d updates failed, counter %q after %d", writers, failed.Load(), got, n)
	}
	return l
}

// Load is what a Contended job took.
type Load struct {
	Elapsed  time.Duration
	Requests int64 // HTTP requests, every read, write and retry
}

// Rate is the job's committed updates per second of (virtual) time.
func (l Load) Rate(n int) float64 { return float64(n) / l.Elapsed.Seconds() }

// PerUpdate is the requests per committed update.
func (l Load) PerUpdate(n int) float64 { return float64(l.Requests) / float64(n) }

// increment adds one to a decimal counter; absent is zero.
func increment(cur []byte, exists bool) ([]byte, error) {
	v := 0
	if exists {
		var err error
		if v, err = strconv.Atoi(string(cur)); err != nil {
			return nil, err
		}
	}
	return []byte(strconv.Itoa(v + 1)), nil
}
