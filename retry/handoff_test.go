//go:build go1.25

package retry_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// A writer in another process commits back to back while ours wait for
// the key (their writes lost twice, so they watch). Once the busy writer
// stops, each waiter must take the key within a few of that writer's
// intervals after the last write it saw, not a whole contention wait
// later: with 16 writers on one key, every hand-over cost a full wait
// (median 63 ms on versitygw, BenchmarkContendedUpdate). The busy writer
// stops at a different moment of the waits in each run; time is virtual,
// 2 ms per answer. The key's idle time is the run's time less 2 ms per
// commit and per first read. With 8 waiters it was 345 to 422 ms per run
// on average (three runs of this test) before the short confirming read,
// 107 to 150 ms with it (eight runs), and is 78 to 112 ms (20 runs) now
// that a waiter takes a key whose writes come far apart at once, and one
// that lost a take looks again soon (96 to 128 ms with only one of the
// two, three runs each); 114 ms with the writes counted and no short wait
// while they keep their pace, and 76 to 101 ms now that the writes carry
// their times, whether the busy writer's clock is right or an hour off.
// The means of 15 runs overlap too much for a tighter bound;
// TestWaiterThatLosesATakeTakesTheKeyNext and
// TestWaiterTakesAKeyWhoseWritesComeFarApart check each rule alone.
func TestWatchersTakeTheKeySoonAfterTheBusyWriterStops(t *testing.T) {
	const waiters = 8
	// The busy writer's clock: right, an hour ahead, an hour behind. The
	// waiters tell how long ago it last wrote from the times it puts on
	// its writes, measured against their own clock's difference to it.
	for _, skew := range []time.Duration{0, time.Hour, -time.Hour} {
		var idle time.Duration
		runs := 0
		for streak := 200; streak < 300; streak += 7 {
			synctest.Test(t, func(t *testing.T) {
				const answer = 2 * time.Millisecond
				bucket, key := "handoff", "counter"
				srv := slowServer(t, answer, bucket)

				start := time.Now()
				busy := retry.NewUpdater(srv.Client(), func(o *retry.UpdateOptions) {
					o.Options.Now = func() time.Time { return time.Now().Add(skew) }
				})
				var wg sync.WaitGroup
				busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(i int) bool { return i < streak }, nil)
				waitersIncrement(t, &wg, srv, bucket, key, waiters)
				wg.Wait()
				took := time.Since(start)
				assert.Equal(t, fmt.Sprint(streak+waiters), get(t, srv.Client(), bucket, key))
				work := time.Duration(streak+waiters+1+waiters) * answer
				idle += took - work
				runs++
			})
		}
		mean := idle / time.Duration(runs)
		t.Logf("busy writer's clock off by %v: the key stood idle %v per run on average, over %d runs", skew, mean, runs)
		assert.Less(t, mean, 2*retry.DefaultContentionMax,
			"the waiters took the key a whole contention wait after the busy writer stopped")
	}
}

// countingHTTP counts the bytes of the GetObject answers its client read.
type countingHTTP struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	gets, bytes *atomic.Int64
}

func (c countingHTTP) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err == nil && r.Method == http.MethodGet && r.URL.RawQuery == "x-id=GetObject" {
		c.gets.Add(1)
		c.bytes.Add(max(resp.ContentLength, 0))
	}
	return resp, err
}

// A writer waiting for a busy key learns that it is still busy from the
// object's headers: it downloads the object only to write it. Before,
// every probe was a GetObject: a waiter on a 512 KiB object that another
// writer kept changing for 0.8 s read it 22 times, 11 MiB.
func TestWatcherDownloadsTheObjectOnlyToWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const size = 512 << 10
		ctx := context.Background()
		bucket, key := "big", "blob"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		next := func(cur []byte, exists bool) ([]byte, error) {
			var c byte
			if exists {
				c = cur[0] + 1
			}
			return bytes.Repeat([]byte{c}, size), nil
		}
		busy := retry.NewUpdater(srv.Client())
		var gets, read atomic.Int64
		// The waiter's first two writes lose (answered 412 in front of the
		// server), so that it watches the key from then on.
		lose := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject", Status: http.StatusPreconditionFailed,
			Code: "PreconditionFailed", Times: 2})
		waiter := retry.NewUpdater(srv.Client(func(o *s3.Options) {
			o.HTTPClient = countingHTTP{next: lose.Client(o.HTTPClient), gets: &gets, bytes: &read}
		}))
		var wg sync.WaitGroup
		busyWriter(t, &wg, busy, bucket, key, next, func(i int) bool { return i < 200 }, nil)
		start := time.Now()
		_, err := waiter.Update(ctx, bucket, key, next)
		require.NoError(t, err)
		waited := time.Since(start)
		wg.Wait()
		assert.Greater(t, waited, 5*retry.DefaultContentionMax, "the waiter waited through several probes")
		assert.LessOrEqual(t, gets.Load(), int64(4), "reads of the content")
		assert.LessOrEqual(t, read.Load(), int64(4*size))
		out, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		require.NoError(t, err)
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		require.NoError(t, err)
		assert.Equal(t, bytes.Repeat([]byte{200}, size), b, "201 writes, none lost")
		t.Logf("the waiter waited %v and read the content %d times (%d bytes)", waited, gets.Load(), read.Load())
	})
}

// slowServer starts, inside a synctest bubble, an in-process server that
// gives every answer after answer (virtual time), with bucket created.
func slowServer(t *testing.T, answer time.Duration, bucket string) *conflicttest.Server {
	t.Helper()
	srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(),
		conflicttest.WithFaults(conflicttest.Fault{Latency: answer}))
	s3test.CreateBucket(t, srv.Client(), bucket)
	return srv
}

// Two waiters take a key at the same moment, once its busy writer stops,
// and one loses. The winner writes once and is done (a waiter that took
// the key holds one update, or a few), so the loser must look again a
// short wait later and take the key, not a whole contention wait later
// (50 to 150 ms once the waits have grown while the key was busy). Here
// the winner is another writer's write slipped in just before the loser's
// take; time is virtual, 2 ms per answer. Before, the loser committed a
// full wait after it lost: 69 to 130 ms in three runs; now 10 ms.
func TestWaiterThatLosesATakeTakesTheKeyNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		took, slips := lostTakeToCommit(t, 1, func(r *http.Request, slips int) bool {
			return r.Method == http.MethodPut && slips == 0 // just before its take
		})
		require.Equal(t, 1, slips, "the waiter took the key before the busy writer stopped")
		assert.Less(t, took, retry.DefaultContentionMax/2, "the waiter that lost its take waited a whole contention wait")
		t.Logf("the waiter committed %v after it lost its take", took)
	})
}

// A waiter whose probe finds several writes since its last read, but far
// apart (here two, 10 ms apart, during a whole contention wait), is
// looking at a key that passes from writer to writer, each writing once:
// no writer is busy there, and the waiter takes the key at once, not a
// confirming wait later (three round trips, after which a read may well
// find another such write and wait a whole contention wait more). Time is
// virtual, 2 ms per answer: from the probe's answer to the waiter's
// commit, its read and its write. Before: 10 ms; now 4 ms.
func TestWaiterTakesAKeyWhoseWritesComeFarApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const answer = 2 * time.Millisecond
		ctx := context.Background()
		bucket, key := "handoff", "counter"
		srv := slowServer(t, answer, bucket)
		busy := retry.NewUpdater(srv.Client())
		other := retry.NewUpdater(srv.Client())
		var stop, apart atomic.Bool
		var wg sync.WaitGroup
		var heads int
		var probed time.Time
		var wroteApart bool
		waiter := retry.NewUpdater(srv.Client(loseOnce, func(o *s3.Options) {
			next := o.HTTPClient
			o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method == http.MethodHead {
					heads++
				}
				if r.Method == http.MethodHead && heads == 5 {
					// The busy writer stops during the waiter's next
					// wait, then two writers write once each.
					stop.Store(true)
					wg.Go(func() {
						for range 2 {
							time.Sleep(10 * time.Millisecond)
							_, err := other.Update(ctx, bucket, key, retry.Incr)
							assert.NoError(t, err)
						}
						apart.Store(true)
					})
				}
				resp, err := next.Do(r)
				if r.Method == http.MethodHead && heads == 6 {
					probed, wroteApart = time.Now(), apart.Load()
				}
				return resp, err
			})
		}))
		var n int
		busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(int) bool { return !stop.Load() }, func(i int) { n = i })
		c, err := waiter.Update(ctx, bucket, key, retry.Incr)
		require.NoError(t, err)
		assert.True(t, c.Changed)
		took := time.Since(probed)
		wg.Wait()
		require.True(t, wroteApart, "the waiter probed a sixth time before the two writes")
		assert.Equal(t, fmt.Sprint(n+3), get(t, srv.Client(), bucket, key), "every update once")
		assert.LessOrEqual(t, took, 2*answer, "the waiter waited to confirm a key nobody kept busy")
		t.Logf("the waiter committed %v after the probe", took)
	})
}

// loseOnce answers the client's first PutObject 412 PreconditionFailed,
// as if another writer had won: against a writer that goes on, its next
// read finds that writer streaming and it watches (see
// TestLoserOfAFirstRaceLeavesAStreamingWriterAlone).
func loseOnce(o *s3.Options) {
	o.HTTPClient = conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject",
		Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Times: 1}).Client(o.HTTPClient)
}

// An update that loses its first race to a writer that goes on committing
// (it knows the object and writes with one request each time) must not
// write again on its next read: that write would most likely lose too, and
// one that won would break the writer's run, which then re-reads and
// competes like the others. It reads, finds two writes or more by that
// writer since the base of its lost write, and watches without writing
// until the writer stops. 16 writers starting together on versitygw spent
// the first ~60 ms (median of 66 runs) so, with ~45 lost writes; 38 ms and
// ~32 after. Time is virtual, 2 ms per answer, 20 runs: before, the
// update wrote twice while the writer went on.
func TestLoserOfAFirstRaceLeavesAStreamingWriterAlone(t *testing.T) {
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			bucket, key := "handoff", "counter"
			srv := slowServer(t, 2*time.Millisecond, bucket)
			var busyLost atomic.Int64
			busy := retry.NewUpdater(srv.Client(func(o *s3.Options) {
				next := o.HTTPClient
				o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := next.Do(r)
					if resp != nil && resp.StatusCode == http.StatusPreconditionFailed {
						busyLost.Add(1)
					}
					return resp, err
				})
			}))
			var stop atomic.Bool
			var puts atomic.Int64
			var wg sync.WaitGroup
			var n int
			busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(int) bool { return !stop.Load() }, func(i int) { n = i })
			waiter := retry.NewUpdater(srv.Client(loseOnce, countPuts(&puts)))
			wg.Go(func() {
				time.Sleep(100 * time.Millisecond)
				stop.Store(true)
			})
			var during int64
			wg.Go(func() {
				time.Sleep(99 * time.Millisecond)
				during = puts.Load()
			})
			c, err := waiter.Update(ctx, bucket, key, retry.Incr)
			require.NoError(t, err)
			assert.True(t, c.Changed)
			wg.Wait()
			assert.Equal(t, fmt.Sprint(n+1), get(t, srv.Client(), bucket, key), "every update once")
			assert.Equal(t, int64(1), during, "writes of the waiting update while the busy writer went on")
			assert.Zero(t, busyLost.Load(), "races the busy writer lost")
		})
	}
}

// A waiter that lost a take looks again soon, but not without end: takes
// that keep losing (here every write is refused with a 412, as to a writer
// slower than the waiter takes it for) are spread out by the contention
// wait again after quickTakes (4) short ones, each twice as long as the
// one before, and do not hammer the key.
// A take of an object larger than an Updater caches (64 KiB) costs a
// download and an upload: it waits its whole wait. Time is virtual, 2 ms
// per answer. Over its first 600 ms the waiter writes a small object 20 to
// 23 times (10 runs) after two short waits a round, 21 to 25 after four
// doubling ones; with no limit it wrote 74 times, and with no short waits
// at all, 10. A 100 KiB object: 8 to 9 times, 17 to 20 when large
// objects made short waits too.
func TestLostTakesSpreadOutAgain(t *testing.T) {
	for _, c := range []struct {
		name string
		size int
		most int64
	}{{"small", 1, 30}, {"large", 100 << 10, 12}} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				bucket, key := "handoff", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				s3test.Put(t, srv.Client(), bucket, key, strings.Repeat("0", c.size))
				var puts atomic.Int64
				waiter := retry.NewUpdater(srv.Client(refuseWrites, countPuts(&puts)))
				ctx, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
				defer cancel()
				_, err := waiter.Update(ctx, bucket, key, func(cur []byte, _ bool) ([]byte, error) {
					return append([]byte("1"), cur[1:]...), nil
				})
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.LessOrEqual(t, puts.Load(), c.most, "writes in 600 ms")
				t.Logf("the waiter wrote %d times in 600 ms", puts.Load())
			})
		})
	}
}

// refuseWrites answers every PutObject the client sends 412
// PreconditionFailed, as if another writer always won.
func refuseWrites(o *s3.Options) {
	o.HTTPClient = conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject",
		Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"}).Client(o.HTTPClient)
}

// countPuts adds every PUT request the client sends to n.
func countPuts(n *atomic.Int64) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPut {
				n.Add(1)
			}
			return next.Do(r)
		})
	}
}

// busyWriter makes busy apply fn to key again and again, from a goroutine
// of wg, while more(i) holds before its i-th update (from 0), and returns
// once it committed three; then that goroutine calls done, if not nil,
// with the number of updates made. more must let three updates through.
func busyWriter(t *testing.T, wg *sync.WaitGroup, busy *retry.Updater, bucket, key string, fn retry.UpdateFunc,
	more func(i int) bool, done func(n int)) {
	t.Helper()
	started := make(chan struct{})
	wg.Go(func() {
		i := 0
		for ; more(i); i++ {
			_, err := busy.Update(context.Background(), bucket, key, fn)
			assert.NoError(t, err)
			if i == 2 {
				close(started)
			}
		}
		if done != nil {
			done(i)
		}
	})
	<-started
}

// waitersIncrement starts n goroutines of wg, each incrementing key once
// through its own client and Updater (as separate processes would), and
// checks that each update succeeded and changed the counter.
func waitersIncrement(t *testing.T, wg *sync.WaitGroup, srv *conflicttest.Server, bucket, key string, n int) {
	t.Helper()
	for range n {
		wg.Go(func() {
			c, err := retry.NewUpdater(srv.Client()).Update(context.Background(), bucket, key, retry.Incr)
			assert.NoError(t, err)
			assert.True(t, c.Changed)
		})
	}
}

// A waiter whose probe (a HeadObject after a whole wait) finds the busy
// writer stopped reads the content and writes; here another waiter's write
// comes between its probe and its read, and a third's between its read and
// its write, which loses. Keys pass from waiter to waiter like this at a
// job's end. The waiter must look again a short wait later, as after any
// lost take, not a whole contention wait later: its write was based on a
// read newer than its probe, and that alone made it wait 50 to 150 ms more
// (versitygw, 16 writers: the last waiter of a job took the key 95 ms
// after its take lost). Time is virtual, 2 ms per answer.
func TestWaiterThatLosesATakeAfterItsProbeLooksAgainSoon(t *testing.T) {
	// The waiter's probe finds the busy writer stopped in about half the
	// runs; in the others, it finds it late and takes the key after a
	// short wait and a read, with nothing between them: those runs are
	// not counted.
	seen := 0
	for run := 0; run < 20 && seen < 3; run++ {
		synctest.Test(t, func(t *testing.T) {
			var probed time.Time // when the waiter's last HeadObject was sent
			took, slips := lostTakeToCommit(t, 2, func(r *http.Request, slips int) bool {
				switch {
				case r.Method == http.MethodHead:
					probed = time.Now()
				case r.Method == http.MethodGet && slips == 0 && time.Since(probed) == 2*time.Millisecond:
					// The content read right after a probe that found the
					// key quiet (not after a short wait).
					return true // between the probe and the read
				case r.Method == http.MethodPut && slips == 1:
					return true // between the read and the write
				}
				return false
			})
			if slips < 2 {
				return
			}
			seen++
			assert.Less(t, took, retry.DefaultContentionMax/2, "the waiter that lost its take waited a whole contention wait")
			t.Logf("the waiter committed %v after it lost its take", took)
		})
	}
	require.Equal(t, 3, seen, "runs in which the waiter's probe found the busy writer stopped")
}

// lostTakeToCommit runs, inside a synctest bubble and on a server that
// answers in 2 ms, a waiter (whose first two writes lose, so that it
// watches) behind a busy writer of 400 increments of a counter. Once the
// busy writer stopped, another writer's increment slips in before each of
// the waiter's requests for which slip (given the slips so far) says so,
// at most want of them, the last before the waiter's write, which loses.
// It checks that every update is in the counter once and returns how long
// after the last slip's write the waiter committed, and the slips made.
func lostTakeToCommit(t *testing.T, want int, slip func(r *http.Request, slips int) bool) (time.Duration, int) {
	t.Helper()
	ctx := context.Background()
	bucket, key := "handoff", "counter"
	srv := slowServer(t, 2*time.Millisecond, bucket)
	busy := retry.NewUpdater(srv.Client())
	other := retry.NewUpdater(srv.Client())
	stopped := make(chan struct{})
	var lostAt time.Time
	slips := 0
	waiter := retry.NewUpdater(srv.Client(loseTwice, func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			select {
			case <-stopped:
			default:
				return next.Do(r)
			}
			if slips >= want || !slip(r, slips) {
				return next.Do(r)
			}
			_, err := other.Update(ctx, bucket, key, retry.Incr)
			require.NoError(t, err)
			slips++
			resp, err := next.Do(r)
			lostAt = time.Now()
			return resp, err
		})
	}))
	var wg sync.WaitGroup
	busyWriter(t, &wg, busy, bucket, key, retry.Incr, func(i int) bool { return i < 400 }, func(int) { close(stopped) })
	c, err := waiter.Update(ctx, bucket, key, retry.Incr)
	require.NoError(t, err)
	assert.True(t, c.Changed)
	took := time.Since(lostAt)
	wg.Wait()
	assert.Equal(t, strconv.Itoa(400+1+slips), get(t, srv.Client(), bucket, key), "every update once")
	return took, slips
}
