package retry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// settle reads the object to learn whether pw, carrying batch's changes,
// landed after an answer that does not tell (cause; nil when the answer
// never came), and acts on it.
func (u *Updater) settle(ctx context.Context, k objectKey, q *queue, pw pendingWrite, batch []*waiter, cause error) error {
	cur := &snapshot{}
	var err error
	if !pw.clean {
		cur, err = u.read(ctx, k)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			q.unsure, q.snap = &unsureWrite{w: pw, waiters: batch}, nil
			return ctx.Err()
		}
		for _, w := range batch {
			deliver(w, result{err: ambiguousUpdate(k, errors.Join(cause, err))})
		}
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
		q.bo, q.losses, q.watch, q.phantoms = nil, 0, false, 0
		return nil
	case unproven:
		for _, w := range batch {
			deliver(w, result{err: ambiguousUpdate(k, cause)})
		}
		return nil
	}
	q.snap = nil // read again after the wait
	if st := s3err.Status(cause); cause != nil && !isLostRace(cause) && st != 0 && st < 500 {
		for _, w := range batch { // refused, for a reason other than a race
			deliver(w, result{err: cause})
		}
		return nil
	}
	u.requeue(q, batch, lostError(k, cause))
	q.createRefused = pw.clean && pw.base == rootMark
	if q.losses++; q.losses >= 2 {
		q.watch, q.seen = true, nil
		if !pw.clean { // cur was read
			q.seen = cur
		}
	}
	return u.backOff(ctx, k, q)
}

// watching reports, for a key whose writes keep losing, whether s shows
// the object busy since the previous read (more than one write in between,
// counted by the lineage): then the queued updates wait again instead of
// writing, since a write would lose too. It costs one read per wait, where
// a write would cost a read and a write, and it lets the writer that keeps
// committing go on undisturbed. Once a read finds at most one write over a
// whole wait, the queue writes. Called with u.mu held.
func (u *Updater) watching(k objectKey, q *queue, s *snapshot) bool {
	if !q.watch {
		return false
	}
	if n := writesSince(q.seen, s); n >= 0 && n <= 1 {
		q.watch = false
		return false
	}
	q.seen = s
	u.requeue(q, nil, lostError(k, nil))
	return true
}

// writesSince counts the writes between prev and cur by cur's lineage: 0
// when cur is prev; -1 when it cannot tell (many, or no tokens).
func writesSince(prev, cur *snapshot) int {
	switch {
	case prev == nil:
		return -1
	case prev.token == "" || cur.token == "":
		if prev.exists == cur.exists && prev.etag == cur.etag {
			return 0
		}
		return -1
	case cur.token == prev.token:
		return 0
	}
	for i, t := range cur.lineage {
		if t == prev.token {
			return i + 1
		}
	}
	return -1
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
	for _, w := range q.pending {
		deliver(w, result{err: err})
	}
	q.pending = nil
	return true
}

func lostError(k objectKey, cause error) *conflict.Error {
	e := conflict.NewError(conflict.PreconditionFailed, "PutObject", k.bucket, k.key, cause)
	e.Reason = ErrMaxAttempts
	return e
}

// backOff waits the key's contention backoff, and reports the wait as a
// Retry event of kind PreconditionFailed (Attempt: the lost races in a row).
// Called with u.mu held; it releases it while waiting.
func (u *Updater) backOff(ctx context.Context, k objectKey, q *queue) error {
	if q.bo == nil {
		q.bo = u.opts.Contention()
	}
	d := q.bo.NextBackOff()
	e := Event{Action: Retry, Operation: "PutObject", Bucket: k.bucket, Key: k.key, Code: "PreconditionFailed",
		StatusCode: http.StatusPreconditionFailed, Kind: conflict.PreconditionFailed, Attempt: q.losses, Delay: d}
	u.mu.Unlock()
	u.l.emitter.emit(ctx, e, nil)
	err := u.opts.Sleep(ctx, d)
	u.mu.Lock()
	return err
}
