package retry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A queue that won the key and, later, waits again for another busy
// writer does not judge that writer by the interval it measured of the
// one before: the first read after a full wait that finds the key still
// written cannot tell whether its writer goes on, so a short wait and a
// read tell, rather than a whole wait more.
func TestWonForgetsTheBusyWritersPace(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1764172800, 0)
	u := &Updater{}
	q := &queue{pace: 50 * time.Millisecond} // a slow writer, an earlier contention
	q.won()
	// Lost twice since: watching, from what the last loss read.
	seen := &snapshot{exists: true, token: tokenOf("AAAA"), writes: 100}
	q.watch, q.seen, q.seenAt = true, seen, t0
	// A full wait later: 10 writes, 10 ms apart, of the same writer, read
	// in 10 ms (so that the writes are not far apart for want of a pace).
	now := &snapshot{exists: true, token: tokenOf("AAAA"), lineage: []string{tokenOf("AAAA")}, writes: 110}
	wait, watching := u.watching(objectKey{}, q, now, t0.Add(100*time.Millisecond), 10*time.Millisecond)
	assert.True(t, watching, "the key is busy: keep waiting")
	assert.Positive(t, wait, "a short wait tells whether the writer goes on")
}

// After a full wait, the read's last write tells whether the busy writer
// goes on, by how long ago it was made (queue.age): within one of the
// writer's intervals and a read's round trip, it goes on (a full wait
// more); beyond three intervals and a round trip, it stopped (write now);
// in between it is late, and a short wait and a read tell.
func TestWatchingJudgesTheLastWritesAge(t *testing.T) {
	t.Parallel()
	const (
		pace = 3 * time.Millisecond
		rtt  = time.Millisecond
		lag  = 2 * time.Millisecond // the writer's clock is behind ours by this, read delay included
	)
	t0 := time.Unix(1764172800, 0)
	for _, c := range []struct {
		name     string
		age      time.Duration
		watching bool
		short    bool // a short wait, not a full one
	}{
		{"on time", 2 * time.Millisecond, true, false},
		{"just on time", pace + rtt, true, false},
		{"late", pace + rtt + time.Millisecond, true, true},
		{"very late", 3*pace + rtt, true, true},
		{"stopped", 3*pace + rtt + time.Millisecond, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &Updater{}
			seen := &snapshot{exists: true, token: tokenOf("AAAA"), writes: 100}
			q := &queue{watch: true, seen: seen, seenAt: t0, pace: pace, clockOf: "AAAA", lag: lag}
			at := t0.Add(100 * time.Millisecond) // 30 writes later, one per pace
			now := &snapshot{exists: true, token: tokenOf("AAAA"), lineage: []string{tokenOf("AAAA")}, writes: 130,
				wrote: at.Add(-lag - c.age)}
			wait, watching := u.watching(objectKey{}, q, now, at, rtt)
			assert.Equal(t, c.watching, watching, "whether the queue waits on")
			assert.Equal(t, c.short, wait > 0, "a short wait (%v)", wait)
			if c.short {
				assert.LessOrEqual(t, wait, maxConfirm)
			}
		})
	}
}

// The short wait after a lost take doubles per take lost in a row, ±50%,
// up to maxConfirm before jitter: takers that met each other spread out.
func TestTakeWaitDoubles(t *testing.T) {
	t.Parallel()
	rtt := 2 * time.Millisecond // shortWait: 6 ms
	for n, mid := range []time.Duration{6, 12, 24, 48, 50} {
		mid *= time.Millisecond
		lo, hi := mid/2, mid+mid/2
		for range 200 {
			d := takeWait(rtt, n+1)
			require.GreaterOrEqual(t, d, lo, "lost take %d", n+1)
			require.Less(t, d, hi, "lost take %d", n+1)
		}
	}
}

// Before a full wait measured the busy writer's interval, writes are far
// apart (sparse) by the queue's last write's round trip, not a read's
// alone: at a key's first contention, a writer committing every 3 ms is
// not taken for waiters passing the key on, whose takes would lose.
func TestSparseUntilPaceIsKnownGoesByTheWrite(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1764172800, 0)
	seen := &snapshot{exists: true, token: tokenOf("AAAA"), writes: 10}
	// Two writes of one writer over 7 ms, read in 1 ms.
	now := &snapshot{exists: true, token: tokenOf("AAAA"), lineage: []string{tokenOf("AAAA"), seen.token}, writes: 12}
	for _, c := range []struct {
		wrtt  time.Duration
		quiet bool
	}{
		{0, true},                      // a read's round trip only: 3.5 ms apart is far
		{3 * time.Millisecond, false},  // a write takes 3 ms: one busy writer
		{500 * time.Microsecond, true}, // fast writes: far apart
	} {
		u := &Updater{}
		q := &queue{watch: true, confirm: true, seen: seen, seenAt: t0, wrtt: c.wrtt}
		_, watching := u.watching(objectKey{}, q, now, t0.Add(7*time.Millisecond), time.Millisecond)
		assert.Equal(t, c.quiet, !watching, "write round trip %v", c.wrtt)
	}
}

// A writer whose updates each read and then write (an object too large to
// keep) writes once per two round trips. A waiter whose losses came back
// at once (a 412 answered before the body went, or injected in a test)
// has no write's round trip to judge by: before a full wait measured the
// pace, three such writes over 15 ms, read in 2 ms, looked far apart, and
// the waiter downloaded the object to take a key that was busy
// (TestWatcherDownloadsTheObjectOnlyToWrite failed about once in 100).
// The short wait after the key's first watch read measures the pace.
func TestConfirmReadMeasuresThePace(t *testing.T) {
	t.Parallel()
	const rtt = 2 * time.Millisecond
	t0 := time.Unix(1764172800, 0)
	w := "AAAA"
	tokens := []string{tokenOf(w)}
	// state returns the key after n more writes, one writer's, with their
	// lineage (newest first).
	state := func(n int) *snapshot {
		for range n {
			tokens = append(tokens, tokenOf(w))
		}
		return stateAfter(tokens)
	}
	u := &Updater{}
	q := &queue{watch: true} // lost twice, cleanly: nothing read since
	at := t0
	wait, watching := u.watching(objectKey{}, q, state(0), at, rtt)
	require.True(t, watching)
	require.Positive(t, wait, "no count to judge by: a short wait tells")
	at = at.Add(8 * time.Millisecond)
	wait, watching = u.watching(objectKey{}, q, state(2), at, rtt)
	require.True(t, watching, "two writes in 8 ms: busy")
	require.Zero(t, wait, "a full wait")
	assert.Equal(t, 8*time.Millisecond, q.pace, "the short wait measured the writer's interval: two writes in 8 ms are at most 8 ms apart")
	at = at.Add(15 * time.Millisecond)
	_, watching = u.watching(objectKey{}, q, state(3), at, rtt)
	assert.True(t, watching, "three writes in 15 ms, one per 5 ms: still busy")
}
