package retry

import (
	"slices"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// watching reports, for a key whose writes keep losing, whether s shows
// the object busy since the previous read (more than one write in between,
// counted by the lineage): then the queued updates wait again instead of
// writing, since a write would lose too. It costs one read per wait, where
// a write would cost a read and a write, and it lets the writer that keeps
// committing go on undisturbed. Once a read finds at most one write since
// the previous one, or writes too far apart to come from one busy writer
// (sparse), the queue writes.
//
// After a full contention wait that ends on a busy key, the read tells
// whether its writer goes on. When the writes carry their times (see
// WritesMetadataKey), by how long ago the last one was made: more than
// three of the writer's intervals plus a read's round trip, it stopped and
// the queue writes; at most one interval and a round trip, it goes on and
// the queue waits again at once; in between, it is late, and may have
// stopped just before the read.
// Without times, by the writes counted since the previous read (the
// lineage, or beyond it the write counts): at least 4/5 of the pace the
// previous full wait measured (queue.pace; before any, the short wait
// after the key's first watch read, which had nothing to count from), it
// goes on; fewer, it may have stopped. A key whose last two writes came
// from different writers (handedOver) is passing from one to the next,
// and says nothing of either. When the read cannot tell, a short wait (confirmWait: a few of
// the writer's intervals) does: at most one write during it, or a key
// handed over again, and the queue writes, so that the key passes on
// within milliseconds of its writer's last write rather than a whole
// contention wait later. While the writer's pace is still unknown (the
// short wait after the key's first watch read), one write to an object
// larger than 64 KiB during it, by the writer of the write before it,
// proves nothing: three reads' round trips may hold only one interval of
// a writer that reads the object before each write over requests slower
// than a probe, so a second short wait, three times as long as that
// write took to come, tells. Only the full waits count as rounds (MaxRounds).
// at is when s was read, rtt how long the read took. It returns the wait
// to make: 0 for a full contention wait, or, after streaming, the full
// wait it drew; q.confirm tells a short one. Called with u.mu held.
//
// Measured with 16 separate writers of 400 updates in virtual time
// (TestSeparateWritersKeepTheirRate): on a server of 2 cores, reads 1.8
// ms and writes 3.3 ms ±50% (versitygw on this project's 2-core machine),
// a short wait after every full one, and writes taken for far apart by a
// read's round trip alone, cost 2.6 requests per update; counting the
// writes, 1.9. Telling the time of the last write and hand-overs cut the
// time from the busy writer's last write to the job's end from 200–350 ms
// to 130–200 ms, and the rate from 0.80–0.84 to 0.84–0.87 of one writer's.
// Then a late writer confirmed, lost takes looked again four times after
// doubling waits (takeWait), not twice, and the full waits at the
// contention backoff's ceiling jittered by ±10%, not ±50%: that time fell
// from 177 to 139 ms (median of 40 runs; on a server that answers every
// request in 2 ms, from 141 to 111 ms); on versitygw, 12 runs each,
// interleaved, from 233 to 202 ms (the machine's noise is large there:
// single runs from 125 to 860 ms).
func (u *Updater) watching(k objectKey, q *queue, s *snapshot, at time.Time, rtt time.Duration) (time.Duration, bool) {
	if !q.watch {
		wait := u.streaming(k, q, s, at, rtt)
		return wait, wait > 0
	}
	n := writesSince(q.seen, s)
	since := at.Sub(q.seenAt)
	q.rtt = rtt
	age, aged := q.age(s, at, rtt)
	aged = aged && q.pace > 0 && !clockLags(q.seen, s, n, since)
	stopped := aged && age > confirmIntervals*q.pace+rtt
	ref := q.pace // the busy writer's interval; until measured, a write's round trip
	if ref == 0 {
		ref = q.wrtt
	}
	// One write to an object larger than 64 KiB, by the writer of the
	// write before it, proves no stop when the read came less than two of
	// that writer's intervals after the previous one, or during the short
	// wait after a read that had nothing to count from (blind: the key's
	// first watch read), which may hold only one interval: a writer that
	// reads the object before each write, over requests slower than a
	// probe, writes less often than the waits' round trips suppose, and a
	// take would download the object. (A small object's writer writes
	// about once per round trip, and a take that loses costs little: the
	// waits would only delay updates whose takes keep losing beyond the
	// give-up times MaxRounds documents.)
	again := n == 1 && s.size > maxCachedSize && !handedOver(s) &&
		((q.confirm && q.blind) || (q.pace > 0 && since < 2*q.pace))
	// A write marked with a yield this Updater has not carried yet: its
	// writer leaves the key alone for a while (see YieldMetadataKey).
	yielded := s.yield != "" && !u.served(k, s.yield)
	quiet := (n >= 0 && n <= 1 && !again) || sparse(n, since, max(rtt, ref)) || stopped ||
		(q.confirm && handedOver(s)) || yielded
	if quiet {
		q.watch, q.confirm = false, false
		q.seen, q.seenAt = s, at // what the write is based on, should it lose
		return 0, false
	}
	var wait time.Duration
	if !q.confirm { // after a full wait
		onTime := aged && age <= q.pace+rtt
		steady := !handedOver(s) && (onTime || (!aged && n > 0 && q.pace > 0 && 5*time.Duration(n)*q.pace >= 4*since))
		if !steady {
			wait = confirmWait(n, since, rtt)
		}
		q.pace = 0
		if n > 0 {
			q.pace = since / time.Duration(n)
		}
	} else if q.pace == 0 && n > 0 {
		// The key's first watch read had nothing to count from: the
		// short wait measures the pace until a full wait does, rather
		// than a round trip standing in for it. Its few writes may fall
		// at both ends of it: n writes over since are at most since/(n-1)
		// apart, and a pace taken too short judges a busy writer's writes
		// far apart (sparse) or its key stopped.
		q.pace = since / time.Duration(max(n-1, 1))
		if again {
			wait = shortWait(q.pace)
		}
	}
	q.confirm, q.blind = wait > 0, n < 0
	q.seen, q.seenAt = s, at
	if !q.confirm {
		u.requeue(q, nil, lostError(k, nil), true)
	}
	return wait, true
}

// streaming reports, for the read after a queue's first lost race, a
// writer that goes on committing: two writes or more since the base of the
// write that lost, the last two by one writer. That writer knows the object
// and commits with one request each time; a write made on this read would
// most likely lose to its next one, and one that won would cost it its
// knowledge and break its run (16 writers starting together on versitygw
// took 60 ms, median of 66 runs, to leave one writer to go on so; 38 ms
// without those writes, 48 ms with the exceptions below, 8 runs). Then the queue waits and watches, as after a
// second lost race, without the write, and streaming returns the
// contention wait it drew (0: not streaming). It does not, and the queue
// writes on the read as before:
//   - when s carries a yield mark not carried yet (see watching);
//   - when the writes since the base was known are far apart (sparse): a
//     write made from content remembered since the queue's own last
//     write, a while ago, meets every write made since, and a writer that
//     made two long before has stopped (8 updates, each behind two such
//     writes made up to 100 ms before, took 0.46-0.56 s in all when they
//     wrote on that read, 1.3-1.4 s when they watched;
//     TestAttack9OldWritesAreNoStream);
//   - when a queued update has three rounds or fewer left (MaxRounds),
//     this one counted, too few to outwait a writer that goes on until it
//     yields (8 writers allowed 3 rounds each, 3200 updates: 646-649 gave
//     up when they watched, 599-609 when they wrote; at 6 rounds or more
//     no difference);
//   - when the contention backoff allows no more waits (backoff.Stop).
//
// Called with u.mu held.
func (u *Updater) streaming(k objectKey, q *queue, s *snapshot, at time.Time, rtt time.Duration) time.Duration {
	base := q.lostOn
	q.lostOn = ""
	if base == "" || q.losses != 1 || handedOver(s) || (s.yield != "" && !u.served(k, s.yield)) {
		return 0
	}
	if n := writesAfter(base, s); n < 2 || sparse(n, at.Sub(q.lostSince), max(rtt, q.wrtt)) {
		return 0
	}
	if slices.ContainsFunc(q.pending, func(w *waiter) bool { return w.state == queued && w.rounds+fewRounds >= u.opts.MaxRounds }) {
		return 0
	}
	wait := u.contention(q).NextBackOff()
	if wait == backoff.Stop || wait <= 0 {
		return 0 // the write's loss, if it loses, draws Stop again: the update ends then
	}
	// As after a second lost race answered at once: the first watch read
	// has nothing to count from, and its short wait measures the
	// writer's pace. (Counting from s, one write of a large object's
	// writer over a short first wait looked like a stop, and the waiter
	// took the key from it.)
	q.losses, q.watch, q.confirm, q.pace, q.seen = 2, true, false, 0, nil
	u.requeue(q, nil, lostError(k, nil), true)
	return wait
}

// fewRounds is how many rounds left, counting the one it would spend, keep
// an update from watching after its first lost race (see streaming).
const fewRounds = 3

// writesAfter counts the writes on top of base (a pendingWrite.base) that
// s's lineage shows: 0 when s is base, -1 when it does not reach it.
func writesAfter(base string, s *snapshot) int {
	if s.token == base {
		return 0
	}
	if i := slices.Index(s.lineage, base); i >= 0 {
		return i + 1
	}
	return -1
}

// clockLags reports a writer whose clock advanced less than 3/4 as much
// as ours over the n writes it made between prev and cur, since apart: a
// slow or stopped clock (or a writer that stopped early in the wait), on
// which the age of its last write cannot be told. Its writes would look
// old while it goes on, and every take would lose.
func clockLags(prev, cur *snapshot, n int, since time.Duration) bool {
	if prev == nil || n < 2 || prev.wrote.IsZero() || writerOf(prev.token) != writerOf(cur.token) {
		return false
	}
	return 4*cur.wrote.Sub(prev.wrote) < 3*since
}

// handedOver reports a key whose last two writes came from different
// writers, as their tokens tell (writerOf).
func handedOver(s *snapshot) bool {
	if len(s.lineage) == 0 {
		return false
	}
	w, before := writerOf(s.token), writerOf(s.lineage[0])
	return w != "" && before != "" && w != before
}

// age estimates how long ago s's last write was made, from the time its
// writer's clock put on it (stampTime) and how much later than that
// clock's time the queue's reads of that writer's writes came at the
// soonest: the difference of the two clocks, plus a read's delay. ok is
// false until a read of the same writer's write gave that (the first one
// only sets it), for writes without a time, and when the lag falls short
// of the least one by more than the read's round trip (rtt): the writer's
// clock stepped forward (or ours back), and the measure starts afresh.
// (A clock that steps back makes a write look old: a take that loses
// starts it afresh, see settle.) Called with u.mu held.
func (q *queue) age(s *snapshot, at time.Time, rtt time.Duration) (time.Duration, bool) {
	w := writerOf(s.token)
	if s.wrote.IsZero() || w == "" {
		return 0, false
	}
	lag := at.Sub(s.wrote)
	if w != q.clockOf || lag < q.lag-rtt {
		q.clockOf, q.lag = w, lag
		return 0, false
	}
	age := lag - q.lag
	q.lag = min(q.lag, lag)
	return age, true
}

// The short wait of a watching queue: confirmIntervals times the busy
// writer's interval between writes, within [minConfirm, maxConfirm].
const (
	confirmIntervals = 3
	minConfirm       = time.Millisecond
	maxConfirm       = 50 * time.Millisecond
)

// confirmWait estimates the interval between the busy writer's writes and
// returns the short wait that tells whether it stopped. A writer that
// commits without pause writes once per round trip, which the read's rtt
// measures; the lineage (n writes over since) tells when it writes faster,
// being nearer the server. The lower of the two is taken: since may end
// long after the writer stopped, and a writer slower than a round trip
// that is taken for stopped only costs one write that may lose.
func confirmWait(n int, since, rtt time.Duration) time.Duration {
	interval := rtt
	if n < 0 {
		n = maxLineage // more writes than the lineage holds, or no tokens
	}
	if n >= 2 && since > 0 {
		interval = min(interval, since/time.Duration(n))
	}
	return shortWait(interval)
}

// shortWait is confirmIntervals times interval, within [minConfirm,
// maxConfirm].
func shortWait(interval time.Duration) time.Duration {
	return min(max(confirmIntervals*interval, minConfirm), maxConfirm)
}

// sparse reports whether n writes over since are far apart: on average
// more than two and a half times ref, the longer of a read's round trip
// and the busy writer's interval as the last full wait (or, before one,
// the first short wait) measured it, or until one did, the queue's last
// write's round trip. A writer that commits back to back writes about
// once per interval; writes further apart come from writers that each
// write once or a few times, as when the key passes from waiter to
// waiter, and a queue that waited to confirm that the last of them
// stopped would only delay the next. (A read's round trip alone is
// shorter than a write's: a busy writer's writes looked far apart, and
// the takes they set off lost; at a key's first contention, before any
// full wait, with 16 writers on versitygw too.)
func sparse(n int, since, ref time.Duration) bool {
	return n >= 2 && ref > 0 && 2*since >= 5*time.Duration(n)*ref
}

// writesSince counts the writes between prev and cur by cur's lineage, or
// beyond it by their write counts (WritesMetadataKey): 0 when cur is prev;
// -1 when it cannot tell (no tokens, or more than the lineage holds and no
// counts).
func writesSince(prev, cur *snapshot) int {
	switch {
	case prev == nil:
		return -1
	case prev.token == "" || cur.token == "":
		if prev.exists == cur.exists && prev.etag == cur.etag {
			return 0
		}
		return -1
	}
	if n := writesAfter(prev.token, cur); n >= 0 {
		return n
	}
	if prev.writes > 0 && cur.writes > prev.writes+uint64(len(cur.lineage)) {
		// Beyond the lineage: by the count, at most a million, so that
		// products with durations cannot overflow.
		return int(min(cur.writes-prev.writes, 1<<20))
	}
	return -1
}
