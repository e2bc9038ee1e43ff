package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// settle reads the object (unless cur is a read made since the write) to
// learn whether pw, carrying batch's changes, landed after an answer that
// does not tell (cause; nil when the answer never came), and acts on it.
func (u *Updater) settle(ctx context.Context, k objectKey, q *queue, pw pendingWrite, batch []*waiter, cause error, cur *snapshot) error {
	var err error
	switch {
	case cur != nil:
	case pw.clean:
		cur = &snapshot{}
	default:
		cur, err = u.read(ctx, k, false)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			q.unsure, q.snap = &unsureWrite{w: pw, waiters: batch}, nil
			return ctx.Err()
		}
		failAll(batch, ambiguousUpdate(k, errors.Join(cause, err)))
		return nil
	}
	switch judge(pw, cur) {
	case landed:
		c := Committed{Proven: true, Superseded: cur.token != pw.token}
		if !c.Superseded {
			c.ETag, c.VersionID = cur.etag, cur.versionID
		}
		u.finish(batch, c)
		u.rememberLocked(q, cur)
		q.bo = nil
		q.won()
		u.held(k, pw, u.opts.Now())
		return nil
	case unproven:
		failAll(batch, ambiguousUpdate(k, cause))
		return nil
	}
	q.snap = nil // read again after the wait
	resumed := u.lostHold(k)
	if st := s3err.Status(cause); cause != nil && !isLostRace(cause) && st != 0 && st < 500 {
		failAll(batch, cause) // refused, for a reason other than a race
		return nil
	}
	if !pw.clean && cur.headMark() == pw.base {
		// Nobody wrote and ours is not there, yet its outcome was
		// unknown (putSettled could not read in time): a send may still
		// be on its way. Writing again with another token could apply
		// the update twice.
		failAll(batch, ambiguousUpdate(k, cause))
		return nil
	}
	// A watching queue that took the key (see watching) and lost wrote on
	// the read that found it quiet, or on the content read right after
	// that probe (which may already hold another waiter's take): another
	// waiter most likely took it at the same moment, and writes once. A
	// short wait, then a read, tells (one write since then: take it), not
	// a whole wait later; at most quickTakes times in a row, the wait
	// doubling each time (takeWait), so that waiters that keep meeting
	// each other, or a writer slower than they think, spread out again.
	// Such a
	// loss is no round (MaxRounds counts the contention waits, which set
	// how long an update may wait), and a large object, whose every take
	// costs a download and an upload, waits its whole wait (large by the
	// probe or by the content the write was made from: the object may
	// have grown between the two).
	took := q.losses >= 2 && pw.clean && q.seen != nil &&
		max(q.seen.size, pw.size) <= maxCachedSize && q.quick < quickTakes
	u.requeue(q, batch, lostError(k, cause), !took)
	q.createRefused = pw.clean && pw.base == rootMark
	// The key's writer may have gone on, its clock stepped back (or ours
	// forward): what told it stopped (queue.age) is measured afresh.
	q.clockOf = ""
	if q.losses++; took {
		q.watch, q.confirm, q.blind = true, true, false
		q.quick++
		return u.backOff(ctx, k, q, takeWait(q.rtt, q.quick), true)
	}
	q.quick = 0
	q.lostOn = ""
	if q.losses == 1 {
		q.lostOn, q.lostSince = pw.base, pw.known
	}
	if q.losses >= 2 {
		q.watch, q.seen, q.confirm = true, nil, false
		if !pw.clean { // cur was read
			q.seen, q.seenAt = cur, u.opts.Now()
		}
	}
	if resumed && isLostRace(cause) {
		return u.backOff(ctx, k, q, YieldPause, true) // see lostHold
	}
	return u.backOff(ctx, k, q, 0, true)
}

// quickTakes is how many times in a row a waiter that lost a take looks
// again after a short wait (see settle).
const quickTakes = 4

// takeWait is the short wait after the n-th take lost in a row (from 1):
// shortWait(rtt), doubled for each lost take before it up to maxConfirm,
// ±50%. When a busy writer stops, the waiters that notice it at about the
// same time take the key together and all but one lose: spread over
// doubling waits, they take it one after the other within a few writes'
// time, where a whole contention wait after two lost takes left the last
// of them waiting up to 150 ms more (see watching for the figures).
func takeWait(rtt time.Duration, n int) time.Duration {
	d := min(shortWait(rtt)<<(n-1), maxConfirm)
	return d/2 + rand.N(d)
}

// phantomRounds is how many times in a row a create may be refused while
// reads find no object before the update fails with ErrCreateRefused.
const phantomRounds = 3

// phantom reports, and answers with ErrCreateRefused, a key whose creates
// keep being refused (412 to If-None-Match: "*") while every read finds no
// object: no retry can help. Called with u.mu held.
func (u *Updater) phantom(k objectKey, q *queue, s *snapshot) bool {
	refused := q.createRefused
	q.createRefused = false
	if s.exists {
		q.phantoms = 0
	}
	if !refused || s.exists {
		return false
	}
	if q.phantoms++; q.phantoms < phantomRounds {
		return false
	}
	q.phantoms = 0
	err := fmt.Errorf("s3conflict: update of s3://%s/%s: %w", k.bucket, k.key, ErrCreateRefused)
	failAll(q.pending, err)
	q.pending = nil
	return true
}

// backOff makes the key's next round wait its contention backoff, and
// reports the wait as a Retry event of kind PreconditionFailed (Attempt:
// the lost races in a row) when it follows a lost race (lost). d > 0 is a
// short wait instead: after a read that found the key busy, to confirm
// (see watching), not reported; or after a lost take (see settle),
// reported, though no round. The wait is made at the start of the next round, by whoever leads it
// then: an update that has just got its result (success, or MaxRounds
// reached) returns without it. Called with u.mu held; it releases it while
// reporting.
func (u *Updater) backOff(ctx context.Context, k objectKey, q *queue, d time.Duration, lost bool) error {
	if !slices.ContainsFunc(q.pending, func(w *waiter) bool { return w.state == queued }) {
		return nil // every update of the round has its result: no round follows
	}
	if d <= 0 {
		if d = u.contention(q).NextBackOff(); d == backoff.Stop {
			q.bo = nil
			u.stopAll(k, q)
			return nil
		}
	}
	q.due = d
	if !lost {
		return nil
	}
	e := Event{Action: Retry, Operation: "PutObject", Bucket: k.bucket, Key: k.key, Code: "PreconditionFailed",
		StatusCode: http.StatusPreconditionFailed, Kind: conflict.PreconditionFailed, Attempt: q.losses, Delay: q.due}
	u.mu.Unlock()
	u.l.emitter.emit(ctx, e, nil)
	u.mu.Lock()
	return nil
}

// contention returns the key's contention backoff, made by
// UpdateOptions.Contention (DefaultContentionBackoff when it returns nil)
// at the key's first wait. Called with u.mu held.
func (u *Updater) contention(q *queue) backoff.BackOff {
	if q.bo == nil {
		if q.bo = u.opts.Contention(); q.bo == nil {
			q.bo = DefaultContentionBackoff()
		}
	}
	return q.bo
}

// wait makes the wait a previous round left for this one (see backOff).
func (u *Updater) wait(ctx context.Context, q *queue) error {
	u.mu.Lock()
	d := q.due
	q.due = 0
	u.mu.Unlock()
	if d <= 0 {
		return nil
	}
	start := u.opts.Now()
	if err := u.opts.Sleep(ctx, d); err != nil {
		u.mu.Lock()
		q.due = max(q.due, d-u.opts.Now().Sub(start)) // what is left, owed to whoever leads next
		u.mu.Unlock()
		return err
	}
	return nil
}
