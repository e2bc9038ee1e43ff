package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// round is one step of a queue's leader: settle a write a previous leader
// left unanswered, or read, apply the queued functions in order and write
// their result. It returns an error only when ctx ended.
func (u *Updater) round(ctx context.Context, k objectKey, q *queue) error {
	if err := u.wait(ctx, q); err != nil {
		return err
	}
	if err := u.yield(ctx, k); err != nil {
		return err
	}
	began := u.opts.Now()
	u.mu.Lock()
	unsure, snap := q.unsure, q.snap
	q.unsure = nil
	// While the key is busy, its headers (ETag, token, lineage) tell
	// whether it still is, without the content: after a full wait, when it
	// most likely is; and after a short one when the content is larger
	// than what a second request costs.
	probe := q.watch && (!q.confirm || (q.seen != nil && q.seen.size > maxCachedSize))
	u.mu.Unlock()
	if unsure != nil {
		unsure.w.began = began
		return u.resettle(ctx, k, q, unsure)
	}
	fresh := snap == nil
	if fresh {
		began := u.opts.Now()
		s, err := u.read(ctx, k, probe)
		at := u.opts.Now()
		if err == nil {
			u.mu.Lock()
			if u.phantom(k, q, s) {
				u.mu.Unlock()
				return nil
			}
			if wait, busy := u.watching(k, q, s, at, at.Sub(began)); busy {
				// A full wait (drawn already when streaming) is a round
				// lost; a short one, to confirm, is not.
				err := u.backOff(ctx, k, q, wait, !q.confirm)
				u.mu.Unlock()
				return err
			}
			u.mu.Unlock()
			if s.headOnly { // quiet: now the content
				s, err = u.read(ctx, k, false)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			u.mu.Lock()
			failAll(q.pending, err)
			q.pending = nil
			u.mu.Unlock()
			return nil
		}
		snap = s
	}

	u.mu.Lock()
	if fresh {
		u.rememberLocked(q, snap)
	}
	batch := q.pending
	q.pending = nil
	for _, w := range batch {
		w.state = inWrite
	}
	u.mu.Unlock()

	body, exists, changed := bytes.Clone(snap.body), snap.exists, false
	for _, w := range batch {
		out, err := call(w.fn, body, exists)
		w.changed, w.err = false, nil
		switch {
		case err != nil:
			w.err = err
		case u.opts.MaxSize > 0 && int64(len(out)) > u.opts.MaxSize:
			w.err = fmt.Errorf("s3conflict: update of s3://%s/%s: new content is %d bytes, cap %d (UpdateOptions.MaxSize): %w",
				k.bucket, k.key, len(out), u.opts.MaxSize, ErrTooLarge)
		default:
			body, exists, changed, w.changed = out, true, true, true
		}
	}
	if !changed {
		// Nothing to write: answers seen on a state read after the caller
		// joined are final; the others need a fresh read.
		u.mu.Lock()
		var stale []*waiter
		for _, w := range batch {
			switch {
			case snap.gen <= w.since:
				stale = append(stale, w)
			case w.err != nil && !errors.Is(w.err, ErrNoChange):
				deliver(w, result{err: w.err})
			default:
				deliver(w, result{c: Committed{ETag: snap.etag, VersionID: snap.versionID}})
			}
		}
		if len(stale) > 0 {
			u.requeueFresh(q, stale)
		}
		u.mu.Unlock()
		return nil
	}

	in := &s3.PutObjectInput{Bucket: &k.bucket, Key: &k.key, ContentType: snap.contentType}
	if snap.exists {
		in.IfMatch = aws.String(snap.etag)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	token := tokenOf(u.writer)
	pw := pendingWrite{base: snap.headMark(), size: snap.size, began: began, known: snap.known}
	now := u.opts.Now()
	u.mu.Lock()
	for _, w := range batch {
		w.writes++
	}
	pw.yield = u.yieldOf(k, snap, token, began, q.losses > 0)
	pw.since = u.holdSince(k, snap, began, q.losses > 0, pw.yield)
	u.mu.Unlock()
	var ok bool
	if in.Metadata, ok = stampMetadata(withYield(snap.user, pw.yield, token), token, snap); ok {
		pw.token = token
		stampTime(in.Metadata, now)
		if !pw.since.IsZero() {
			stampHeld(in.Metadata, began.Sub(pw.since))
		}
	}
	return u.commit(ctx, k, q, batch, &unsureWrite{w: pw, waiters: batch, in: in, body: body, snap: snap})
}

// resettle settles the write a leader left before its answer came: ours
// there, or another writer's on top of its base, settle tells; neither, it
// may still be on its way, and the very same request goes again (see
// putSettled) for the updates it carries whose callers still wait, so
// that the two sends are one write to every proof.
func (u *Updater) resettle(ctx context.Context, k objectKey, q *queue, sw *unsureWrite) error {
	u.mu.Lock()
	waiting := slices.ContainsFunc(sw.waiters, func(w *waiter) bool { return w.state == inWrite })
	u.mu.Unlock()
	if sw.in == nil || !waiting { // nobody to send it for: settle, never write it again
		return u.settle(ctx, k, q, sw.w, sw.waiters, nil, nil)
	}
	cur, err := u.read(ctx, k, false)
	switch {
	case err != nil && ctx.Err() != nil:
		u.mu.Lock()
		q.unsure, q.snap = sw, nil
		u.mu.Unlock()
		return ctx.Err()
	case err != nil:
		return u.settle(ctx, k, q, sw.w, sw.waiters, nil, nil)
	case judge(sw.w, cur) != landed && cur.headMark() == sw.w.base:
		return u.commit(ctx, k, q, sw.waiters, sw)
	}
	return u.settle(ctx, k, q, sw.w, sw.waiters, nil, cur)
}

// commit sends the write sw describes, carrying batch's changes, and acts
// on its outcome.
func (u *Updater) commit(ctx context.Context, k objectKey, q *queue, batch []*waiter, sw *unsureWrite) error {
	in, body, snap, pw := sw.in, sw.body, sw.snap, sw.w
	began := u.opts.Now()
	out, unknown, err, cur, gaveUp := u.putSettled(ctx, k, in, body, pw)
	took := u.opts.Now().Sub(began)
	if sw.sent {
		unknown++ // an earlier send of this very request may yet land, or has
	}
	if gaveUp {
		u.mu.Lock()
		failAll(batch, ambiguousUpdate(k, err))
		u.mu.Unlock()
		return nil
	}
	if err == nil {
		u.mu.Lock()
		u.finish(batch, Committed{ETag: aws.ToString(out.ETag), VersionID: aws.ToString(out.VersionId)})
		u.rememberLocked(q, after(snap, in, body, aws.ToString(out.ETag), aws.ToString(out.VersionId)))
		q.calm(uncontended(batch))
		q.won()
		u.held(k, pw, u.opts.Now())
		if unknown == 0 {
			q.wrtt = took
		}
		u.mu.Unlock()
		return nil
	}
	if ctx.Err() != nil {
		u.mu.Lock()
		sw.sent = true
		q.unsure, q.snap = sw, nil
		u.mu.Unlock()
		return ctx.Err()
	}
	lost := isLostRace(err)
	if !lost && unknown == 0 && definite(err) {
		u.mu.Lock() // answered once with a refusal: nothing was written
		failAll(batch, err)
		u.mu.Unlock()
		return nil
	}
	pw.clean = lost && unknown == 0
	if pw.clean {
		u.mu.Lock()
		q.wrtt = took
		u.mu.Unlock()
	}
	return u.settle(ctx, k, q, pw, batch, err, cur)
}

// unknownResends is how many times putSettled sends a write again after
// sends whose outcome it could not learn, while the object shows that
// nobody wrote and ours has not landed: as many as the SDK's retryer would
// by default.
const unknownResends = 2

// putSettled sends the write pw describes. A send whose outcome is unknown
// (no answer, or a 5xx: see settleFirst) is settled by reading the object
// at once: ours there, or another writer's write on top of our base, ends
// it (cur is that read, for settle); neither, the very same request (same
// token, same body) goes again after a short wait, so that an earlier send
// still on its way and this one are one write to every proof. After
// unknownResends, gaveUp: an earlier send may still land.
func (u *Updater) putSettled(ctx context.Context, k objectKey, in *s3.PutObjectInput, body []byte, pw pendingWrite) (
	out *s3.PutObjectOutput, unknown int, err error, cur *snapshot, gaveUp bool,
) {
	for resends := 0; ; resends++ {
		o, n, perr := u.put(ctx, in, body)
		out, err = o, perr
		unknown += n
		if err == nil || ctx.Err() != nil || n == 0 || isLostRace(err) {
			return out, unknown, err, nil, false
		}
		s, rerr := u.read(ctx, k, false)
		if rerr != nil {
			return out, unknown, err, nil, false // settle reads again
		}
		if judge(pw, s) == landed || s.headMark() != pw.base {
			return out, unknown, err, s, false
		}
		if resends == unknownResends {
			return out, unknown, err, nil, true
		}
		if werr := u.opts.Sleep(ctx, (20*time.Millisecond)<<resends); werr != nil {
			return out, unknown, err, nil, false
		}
	}
}

// uncontended reports a batch none of whose updates lost a race.
func uncontended(batch []*waiter) bool {
	for _, w := range batch {
		if w.rounds > 0 {
			return false
		}
	}
	return true
}

// finish answers the waiters of a committed write. Called with u.mu held.
func (u *Updater) finish(batch []*waiter, c Committed) {
	for _, w := range batch {
		switch {
		case w.changed:
			cc := c
			cc.Changed = true
			deliver(w, result{c: cc})
		case w.err != nil && !errors.Is(w.err, ErrNoChange):
			deliver(w, result{err: w.err})
		default:
			deliver(w, result{c: c})
		}
	}
}

// requeueFresh puts ws back and forces a read for them. Called with u.mu held.
func (u *Updater) requeueFresh(q *queue, ws []*waiter) {
	back := make([]*waiter, 0, len(ws)+len(q.pending))
	for _, w := range ws {
		if w.state == inWrite {
			w.state = queued
			back = append(back, w)
		}
	}
	q.pending = append(back, q.pending...)
	q.snap = nil
}

// call runs fn, turning a panic into an error.
func call(fn UpdateFunc, cur []byte, exists bool) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %v", ErrUpdatePanic, r)
		}
	}()
	return fn(cur, exists)
}

func ambiguousUpdate(k objectKey, cause error) error {
	if cause == nil {
		return fmt.Errorf("s3conflict: update of s3://%s/%s: %w", k.bucket, k.key, ErrAmbiguousWrite)
	}
	return fmt.Errorf("s3conflict: update of s3://%s/%s: %w: %w", k.bucket, k.key, ErrAmbiguousWrite, cause)
}
