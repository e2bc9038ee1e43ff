package retry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
