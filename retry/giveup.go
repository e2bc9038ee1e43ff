package retry

import (
	"fmt"
	"time"

	"github.com/s3conflict/s3conflict/conflict"
)

// How a waiting update ends without committing: lost races past MaxRounds,
// or a contention backoff that stops.

// lostError is the error of an update of k that lost its race to another
// writer, cause the answer that said so (nil after a wait that found the
// key busy).
func lostError(k objectKey, cause error) *conflict.Error {
	e := conflict.NewError(conflict.PreconditionFailed, "PutObject", k.bucket, k.key, cause)
	e.Reason = ErrMaxAttempts
	return e
}

// gaveUp is the error of w after MaxRounds rounds: lost, with w's writes,
// how long it waited, and why.
func (u *Updater) gaveUp(lost *conflict.Error, w *waiter) error {
	elapsed := u.opts.Now().Sub(w.joined)
	return ended(lost, w, elapsed, fmt.Errorf("%w: %d rounds (UpdateOptions.MaxRounds) in %v while other writers kept changing the object",
		ErrMaxAttempts, w.rounds, elapsed.Round(time.Millisecond)))
}

// ended is lost, the error of w when it stops waiting for reason after
// elapsed, with w's writes.
func ended(lost *conflict.Error, w *waiter, elapsed time.Duration, reason error) error {
	e := *lost
	e.Attempts, e.Elapsed, e.Reason = w.writes, elapsed, reason
	return &e
}

// stopAll ends the queued updates of k after its contention backoff
// returned backoff.Stop. Called with u.mu held.
func (u *Updater) stopAll(k objectKey, q *queue) {
	for _, w := range q.pending {
		if w.state == queued {
			deliver(w, result{err: ended(lostError(k, nil), w, u.opts.Now().Sub(w.joined),
				fmt.Errorf("%w (UpdateOptions.Contention)", ErrBackoffStopped))})
		}
	}
	q.pending = nil
}
