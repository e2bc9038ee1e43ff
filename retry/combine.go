package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
)

// queue is the state of one key of an Updater, guarded by Updater.mu.
// One waiter at a time leads: it runs rounds in its own goroutine until
// its own result is in, then hands the lead to a waiter still waiting.
type queue struct {
	pending []*waiter // not in a write yet, in arrival order
	leader  *waiter   // nil: nobody leads
	// snap is the last state known (read, or written by us); nil: read
	// first.
	snap *snapshot
	gen  uint64 // counts the snapshots taken, to tell fresh from remembered
	// unsure is a write whose leader left before its answer came.
	unsure *unsureWrite
	bo     backoff.BackOff // the contention backoff while the key is contended
	calms  int             // commits in a row that met no contention
	losses int             // lost races in a row
	// lostOn is the base (pendingWrite.base) of the write that lost the
	// queue's first race in a row: the next read counts the writes since
	// (see streaming). "" once used, or when the base carried no token.
	// lostSince is when that base was known (pendingWrite.known).
	lostOn    string
	lostSince time.Time
	watch     bool          // losing: read until the object stays unchanged over a wait
	seen      *snapshot     // what the previous read found, while watching
	seenAt    time.Time     // when seen was read
	rtt       time.Duration // how long the last read while watching took
	// wrtt is how long the queue's last write that was answered (at once,
	// no resend) took: while the busy writer's pace is unknown, about its
	// interval between writes (see watching).
	wrtt time.Duration
	pace time.Duration // the busy writer's interval over the last full wait (before one, the first short wait); 0: unknown
	// clockOf is the writer (writerOf) whose writes' times lag is
	// measured on; lag is the least time between such a write's time and
	// a read that found it: how far that writer's clock is behind ours,
	// plus a read's delay (see queue.age).
	clockOf string
	lag     time.Duration
	quick   int // takes lost in a row, each followed by a short wait
	// confirm: the wait in progress is a short one after a read that
	// found the key busy, to tell whether its writer has stopped.
	confirm bool
	// blind: the read before that short wait had nothing to count the
	// writes from (writesSince -1), so that the wait measures the pace.
	blind bool
	due   time.Duration // the wait the next round makes first (see backOff)
	// createRefused: the last write, a create, was refused; phantoms
	// counts such refusals in a row whose next read found no object.
	createRefused bool
	phantoms      int
}

// calmAfter is how many commits in a row must meet no contention before
// the contention backoff starts afresh: a writer that keeps committing
// while others wait keeps the wait it had earned, so that when it loses
// once it does not probe a hot key every few milliseconds.
const calmAfter = 16

// won ends the contention state after a write of the queue's landed,
// and forgets the busy writer's pace (the next contention may be another
// writer's).
func (q *queue) won() {
	q.losses, q.watch, q.confirm, q.phantoms, q.quick, q.pace = 0, false, false, 0, 0, 0
	q.lostOn = ""
}

// calm records a commit; uncontended says whether it met no contention.
func (q *queue) calm(uncontended bool) {
	if !uncontended {
		q.calms = 0
		return
	}
	if q.calms++; q.calms >= calmAfter {
		q.bo, q.calms = nil, 0
	}
}

// unsureWrite is a write whose outcome its leader did not learn: what can
// prove it (w), the updates it carries, and, when known, the request
// itself (in, body) and the state it was made from (snap), to send it
// again as it was.
type unsureWrite struct {
	w       pendingWrite
	waiters []*waiter
	in      *s3.PutObjectInput
	body    []byte
	snap    *snapshot
	// sent: the request went out before, its outcome unknown (its
	// leader left): a refusal of a later send of it proves nothing.
	sent bool
}

type waiterState uint8

const (
	queued  waiterState = iota // in queue.pending
	inWrite                    // its change is in a write being sent or judged
	done                       // its result is in res
	gone                       // its caller left (context ended)
)

type waiter struct {
	fn     UpdateFunc
	since  uint64 // queue.gen when it joined
	rounds int    // lost races so far
	writes int    // writes sent with its change
	joined time.Time
	state  waiterState
	// after applying fn: what happened to this waiter in the batch.
	changed bool
	err     error
	res     chan result   // capacity 1
	lead    chan struct{} // capacity 1: this waiter now leads
}

type result struct {
	c   Committed
	err error
}

// enqueue adds an update to its key's queue and waits for its result,
// leading the queue when it is its turn.
func (u *Updater) enqueue(ctx context.Context, k objectKey, fn UpdateFunc) (Committed, error) {
	w := &waiter{fn: fn, res: make(chan result, 1), lead: make(chan struct{}, 1), joined: u.opts.Now()}
	u.mu.Lock()
	q := u.keys[k]
	if q == nil {
		q = &queue{}
		u.keys[k] = q
	}
	w.since = q.gen
	q.pending = append(q.pending, w)
	if q.leader == nil {
		q.leader = w
		u.mu.Unlock()
		return u.lead(ctx, k, q, w)
	}
	u.mu.Unlock()
	select {
	case r := <-w.res:
		return r.c, r.err
	case <-w.lead:
		return u.lead(ctx, k, q, w)
	case <-ctx.Done():
		return u.leave(ctx, k, q, w)
	}
}

// lead runs rounds for the queue until w's own result is in.
func (u *Updater) lead(ctx context.Context, k objectKey, q *queue, w *waiter) (Committed, error) {
	for {
		u.mu.Lock()
		if w.state == done {
			u.handoff(k, q)
			u.mu.Unlock()
			r := <-w.res
			return r.c, r.err
		}
		u.mu.Unlock()
		if err := u.round(ctx, k, q); err != nil {
			return u.leave(ctx, k, q, w)
		}
	}
}

// leave ends w's wait after its context ended: its change is dropped from
// the queue (a write already carrying it may still land), and the lead
// passes on when it was w's.
func (u *Updater) leave(ctx context.Context, k objectKey, q *queue, w *waiter) (Committed, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if w.state == done { // the result came first
		r := <-w.res
		if q.leader == w {
			u.handoff(k, q)
		}
		return r.c, r.err
	}
	state := w.state
	if state == queued {
		q.pending = remove(q.pending, w)
	}
	w.state = gone
	if q.leader == w {
		select {
		case <-w.lead:
		default:
		}
		u.handoff(k, q)
	}
	if state == inWrite {
		return Committed{}, fmt.Errorf("%w (%w: a write carrying the update was in flight)", ctx.Err(), ErrAmbiguousWrite)
	}
	return Committed{}, ctx.Err()
}

// handoff passes the lead to the first waiter still waiting, or forgets
// the key when none is left (keeping its snapshot as a cache within
// MaxCached). Called with u.mu held.
func (u *Updater) handoff(k objectKey, q *queue) {
	q.leader = nil
	next := func(ws []*waiter, st waiterState) bool {
		for _, w := range ws {
			if w.state == st {
				q.leader = w
				w.lead <- struct{}{}
				return true
			}
		}
		return false
	}
	if next(q.pending, queued) || (q.unsure != nil && next(q.unsure.waiters, inWrite)) {
		return
	}
	if q.unsure != nil { // nobody left to tell: the state is unknown
		q.unsure, q.snap = nil, nil
	}
	q.pending = nil
	if q.snap == nil || u.opts.MaxCached < 0 {
		delete(u.keys, k)
		return
	}
	for other, oq := range u.keys {
		if len(u.keys) <= u.opts.MaxCached {
			break
		}
		if other != k && oq.leader == nil {
			delete(u.keys, other)
		}
	}
}

// deliver gives w its result, unless its caller left. Called with u.mu held.
func deliver(w *waiter, r result) {
	if w.state == gone || w.state == done {
		return
	}
	w.state = done
	w.res <- r
}

// failAll gives every waiter of ws err as its result. Called with u.mu held.
func failAll(ws []*waiter, err error) {
	for _, w := range ws {
		deliver(w, result{err: err})
	}
}

// requeue puts ws back at the front of the queue after their write lost a
// race, or a wait found the key still busy; counted, it counts a round
// for each, failing those that reached MaxRounds. Called with u.mu held.
func (u *Updater) requeue(q *queue, ws []*waiter, lost *conflict.Error, counted bool) {
	if ws == nil { // a wait without a write: count it for the queued
		ws, q.pending = q.pending, nil
		for _, w := range ws {
			if w.state == queued {
				w.state = inWrite
			}
		}
	}
	back := make([]*waiter, 0, len(ws)+len(q.pending))
	for _, w := range ws {
		if w.state != inWrite {
			continue
		}
		if counted {
			w.rounds++
		}
		if w.rounds >= u.opts.MaxRounds {
			deliver(w, result{err: u.gaveUp(lost, w)})
			continue
		}
		w.state = queued
		back = append(back, w)
	}
	q.pending = append(back, q.pending...)
}

func remove(ws []*waiter, w *waiter) []*waiter {
	for i, x := range ws {
		if x == w {
			return append(ws[:i:i], ws[i+1:]...)
		}
	}
	return ws
}
