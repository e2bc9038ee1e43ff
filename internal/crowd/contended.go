package crowd

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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
func Contended(t testing.TB, writers, n int, shared bool, answer Answer) Load {
	t.Helper()
	ctx := context.Background()
	bucket, key := "contended", "counter"
	var srv *conflicttest.Server
	var served func(*s3.Options)
	if answer.Cores > 0 {
		srv = conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork())
		served = answer.queue()
	} else {
		srv = conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(),
			conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", Latency: answer.Write},
				conflicttest.Fault{Latency: answer.Read}))
		served = func(*s3.Options) {}
	}
	s3test.CreateBucket(t, srv.Client(), bucket)
	var requests atomic.Int64
	newUpdater := func() *retry.Updater {
		return retry.NewUpdater(srv.Client(served, s3test.CountRequests(&requests)))
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

// Answer is how the server of a Contended job answers: how long a write
// (a PUT) and any other request take, and how many it serves at once.
// With Cores 0 every request is answered after its time, whatever else
// the server is doing; with Cores > 0 requests beyond Cores wait for a
// free one, first come first served, as on a real server whose CPU is
// busy, and a write takes effect when its time is over.
type Answer struct {
	Read, Write time.Duration
	Cores       int
	// Jitter spreads each request's time uniformly over ±Jitter of it
	// (0.5: from half to one and a half times).
	Jitter float64
}

// BusyServer is versitygw on this project's 2-core machine, measured with
// 1 and 4 clients that sent one kind of request without pause: a read
// (HeadObject, GetObject of a few bytes) answered in 1.8 ms alone and
// 1,100 a second at most, a PutObject in 3.3 ms and 600 a second. Every
// request of a waiting writer there takes time from the writer that
// commits.
var BusyServer = Answer{Read: 1800 * time.Microsecond, Write: 3300 * time.Microsecond, Cores: 2, Jitter: 0.5}

// queue returns a client option that makes each request wait its turn
// and its time before it reaches the server.
func (a Answer) queue() func(*s3.Options) {
	var mu sync.Mutex
	free := make([]time.Time, a.Cores) // when each core is next free
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
			cost := a.Read
			if r.Method == http.MethodPut {
				cost = a.Write
			}
			if a.Jitter > 0 {
				cost = time.Duration(float64(cost) * (1 + a.Jitter*(2*rand.Float64()-1)))
			}
			mu.Lock()
			now, c := time.Now(), 0
			for i := range free {
				if free[i].Before(free[c]) {
					c = i
				}
			}
			start := free[c]
			if start.Before(now) {
				start = now
			}
			done := start.Add(cost)
			free[c] = done
			mu.Unlock()
			time.Sleep(done.Sub(now))
			return next.Do(r)
		})
	}
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
