package retry

import (
	"context"
	"time"
)

// Defaults of the yield (see UpdateOptions.YieldAfter).
const (
	// DefaultYieldAfter is how long an Updater commits to one key without
	// a pause before it leaves the key alone for YieldPause: 5 s, half of
	// the time an update of another writer waits for a busy key before it
	// gives up (DefaultMaxRounds).
	DefaultYieldAfter = 5 * time.Second
	// YieldPause is how long an Updater that held a key for YieldAfter
	// leaves it alone: 250 ms, so that every update of another writer
	// waiting for it, which reads the key at least once per contention
	// wait (at most 110 ms with DefaultContentionBackoff), reads it twice
	// in the pause, and the second read finds it stopped.
	YieldPause = 250 * time.Millisecond
)

// hold is how long an Updater has held a key: the first and the last of
// its commits to it with no pause of YieldPause between any two.
type hold struct{ since, last time.Time }

// held records a commit to k at now. Called with u.mu held.
func (u *Updater) held(k objectKey, now time.Time) {
	if u.opts.YieldAfter < 0 {
		return
	}
	h, ok := u.holds[k]
	if !ok || now.Sub(h.last) >= YieldPause {
		h.since = now
	}
	h.last = now
	if !ok && len(u.holds) >= maxHolds {
		u.forgetPaused(now)
	}
	u.holds[k] = h
}

// maxHolds is how many keys' holds are kept before those paused long
// enough to have been let go are forgotten.
const maxHolds = 64

// forgetPaused forgets the holds of keys not committed to for YieldPause:
// their next commit starts a new hold anyway. Called with u.mu held.
func (u *Updater) forgetPaused(now time.Time) {
	for k, h := range u.holds {
		if now.Sub(h.last) >= YieldPause {
			delete(u.holds, k)
		}
	}
}

// lostHold forgets the hold of k: another writer committed to it. Called
// with u.mu held.
func (u *Updater) lostHold(k objectKey) { delete(u.holds, k) }

// yield makes the pause a key held for YieldAfter owes before the next
// write (the rest of YieldPause since the last commit), and reports it as
// a Yielded event.
func (u *Updater) yield(ctx context.Context, k objectKey) error {
	u.mu.Lock()
	h, ok := u.holds[k]
	now := u.opts.Now()
	idle := now.Sub(h.last)
	due := ok && u.opts.YieldAfter >= 0 && idle < YieldPause && now.Sub(h.since) >= u.opts.YieldAfter
	u.mu.Unlock()
	if !due {
		return nil
	}
	d := YieldPause - idle
	u.l.emitter.emit(ctx, Event{Action: Yielded, Operation: "PutObject", Bucket: k.bucket, Key: k.key,
		Delay: d, Elapsed: now.Sub(h.since)}, nil)
	return u.opts.Sleep(ctx, d)
}
