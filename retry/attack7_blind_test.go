package retry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Attack on 0caaea7: the short wait after a key's first watch read (which
// has nothing to count from) lasts three probes' round trips. A writer
// that reads a large object before each write, over a GET and a PUT
// slower than a probe, writes less often than that: one write during the
// wait looked like a writer that had stopped, and the waiter downloaded
// the object to take a key that was busy
// (TestAttack7WaiterLeavesABusyLargeObjectAlone: 2 to 11 takes over 5
// runs). One write by the writer of the write before it proves nothing
// there; a second short wait, three times as long as that write took to
// come, tells. One write by another writer (a key handed over) is taken at
// once, and a writer that wrote nothing more during the second wait has
// stopped. A small object is taken at once, as before: a take costs
// little, and a second short wait in every round made an update whose
// takes keep losing give up 13% later than documented
// (TestAttack7GiveUpWhenEveryTakeMeetsTwoWrites).
func TestAttack7OneWriteDuringTheFirstShortWaitIsNoProof(t *testing.T) {
	t.Parallel()
	const rtt = 2 * time.Millisecond
	t0 := time.Unix(1764172800, 0)
	busy, other := "AAAA", "BBBB"
	const large = maxCachedSize + 1
	for _, c := range []struct {
		name    string
		size    int64  // the object's
		by      string // who makes the one write during the first short wait
		more    int    // the busy writer's writes during the second
		watches bool   // after the second
	}{
		{"busy writer goes on", large, busy, 3, true},
		{"busy writer stopped", large, busy, 0, false},
		{"handed over", large, other, 0, false},
		{"small object", 1, busy, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tokens []string
			state := func(by string, n int) *snapshot {
				for range n {
					tokens = append(tokens, tokenOf(by))
				}
				s := stateAfter(tokens)
				s.size = c.size
				return s
			}
			u := &Updater{}
			q := &queue{watch: true} // lost twice, cleanly: nothing read since
			at := t0
			wait, watching := u.watching(objectKey{}, q, state(busy, 1), at, rtt)
			require.True(t, watching)
			require.Equal(t, shortWait(rtt), wait, "nothing to count from: a short wait")
			since := wait + rtt
			at = at.Add(since)
			wait, watching = u.watching(objectKey{}, q, state(c.by, 1), at, rtt)
			if c.by == other || c.size <= maxCachedSize {
				assert.False(t, watching, "a key handed over during the short wait, or a small object: take it")
				return
			}
			require.True(t, watching, "one write by the same writer: no proof that it stopped")
			require.Equal(t, shortWait(since), wait, "a second short wait, three of that write's intervals")
			at = at.Add(wait + rtt)
			_, watching = u.watching(objectKey{}, q, state(busy, c.more), at, rtt)
			assert.Equal(t, c.watches, watching, "%d writes during the second short wait", c.more)
		})
	}
}

// stateAfter returns a key's state after the writes of tokens (oldest
// first), with their lineage (newest first) and count.
func stateAfter(tokens []string) *snapshot {
	var lineage []string
	for i := len(tokens) - 2; i >= 0 && len(lineage) < maxLineage; i-- {
		lineage = append(lineage, tokens[i])
	}
	return &snapshot{exists: true, token: tokens[len(tokens)-1], lineage: lineage, writes: uint64(len(tokens))}
}
