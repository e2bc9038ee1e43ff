package retry

import (
	"context"
	"strconv"
	"time"

	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// Defaults of the yield (see UpdateOptions.YieldAfter).
const (
	// DefaultYieldAfter is how long an Updater commits to one key without
	// a pause before it leaves the key alone for YieldPause: 5 s, half of
	// the time an update of another writer waits for a busy key before it
	// gives up (DefaultMaxRounds).
	DefaultYieldAfter = 5 * time.Second
	// YieldPause is how long an Updater that yields a key leaves it alone
	// after its write: 200 ms, so that every update of another writer
	// waiting for the key, which reads it at least once per contention
	// wait (at most 110 ms with DefaultContentionBackoff), reads it in the
	// pause and takes it. The pause lasts as long again as the read and
	// write of the yielding update took: a waiting update's write may be
	// on its way, and lose, when the yield lands.
	YieldPause = 200 * time.Millisecond
)

// YieldMetadataKey is the user-metadata key (x-amz-meta-s3conflict-yield)
// with which an Updater marks the write after which it yields the key
// (see UpdateOptions.YieldAfter): its value names the yield (the token of
// the write that began it).
//
// Why: an update waiting for the key that reads the mark takes the key at
// once, without waiting to see that its writer stopped; and an Updater
// whose update lost a race and then reads the mark carries it on its own
// write and leaves the key alone for YieldPause after it too, once per
// yield, so that the
// first waiter to get in does not hold the key in turn before the others
// have had theirs.
const YieldMetadataKey = "s3conflict-yield"

// hold is how long an Updater has held a key: the first and the last of
// its commits to it with no pause of YieldPause between any two (from a
// commit to the start of the round that makes the next write: a write,
// or a read, that takes longer than YieldPause is no pause, and a writer
// whose writes all do would otherwise never yield).
type hold struct {
	since, last time.Time
	// pause: the last commit carried a yield (see YieldMetadataKey): the
	// next write waits until YieldPause after it.
	pause bool
	// served names the last yield the Updater carried: it carries each
	// one once.
	served string
	// resumed: the Updater paused for a yield and has not committed since.
	resumed bool
	// took is how long the round of the last commit took (its read and
	// write): a yield's pause lasts that much more than YieldPause, so
	// that a waiting update of another writer, whose own write may be on
	// its way when the yield lands and lose, has YieldPause to read the
	// mark and send its write before this writer's next write is sent.
	took time.Duration
}

// yieldOf returns the yield a write over snap, whose round began at now, carries (see
// YieldMetadataKey), "" for none: a new one, named token, when the
// Updater has held the key for YieldAfter; snap's own when it carries one
// the Updater has not carried yet and the write follows a lost race
// (contended): an update that met no other writer found a mark left by
// a writer that has long stopped, or came after the waiting updates. Called
// with u.mu held.
func (u *Updater) yieldOf(k objectKey, snap *snapshot, token string, now time.Time, contended bool) string {
	if u.opts.YieldAfter < 0 {
		return ""
	}
	h, ok := u.holds[k]
	switch {
	case ok && !h.last.IsZero() && now.Sub(h.last) < YieldPause && now.Sub(h.since) >= u.opts.YieldAfter:
		return token
	case contended && snap.yield != "" && snap.yield != h.served:
		return snap.yield
	}
	return ""
}

// withYield returns user (a write's user metadata before its token and
// lineage, see stampMetadata) with the yield y added, a copy, when S3's 2
// KB of user metadata leave room for it and for token: the lineage takes
// what is left after them, and would otherwise leave no room for the mark
// on an object whose own metadata takes more than about 1.4 KB. When there
// is no room, the pause is made without it.
func withYield(user map[string]string, y, token string) map[string]string {
	if y == "" || usermeta.Size(user)+len(YieldMetadataKey)+len(y)+len(TokenMetadataKey)+len(token) > usermeta.Limit {
		return user
	}
	md := make(map[string]string, len(user)+1)
	for k, v := range user {
		md[k] = v
	}
	md[YieldMetadataKey] = y
	return md
}

// held records pw's commit to k at now: pw's round began at pw.began
// (zero: unknown, now), and it carried the yield pw.yield ("" for none).
// A new hold starts at pw.since (see holdSince), or at now. Called with
// u.mu held.
func (u *Updater) held(k objectKey, pw pendingWrite, now time.Time) {
	if u.opts.YieldAfter < 0 {
		return
	}
	began, y := pw.began, pw.yield
	if began.IsZero() {
		began = now
	}
	h, ok := u.holds[k]
	if !ok || began.Sub(h.last) >= YieldPause {
		h.since = now
		if !pw.since.IsZero() && pw.since.Before(now) {
			h.since = pw.since
		}
	}
	h.last, h.pause, h.resumed, h.took = now, y != "", false, max(now.Sub(began), 0)
	if y != "" {
		h.served = y
	}
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

// lostHold ends the hold of k: another writer committed to it. The yield
// it carried last is kept, so that it is not carried again. It reports
// whether the Updater had paused for a yield since its last commit: then
// a writer that got in during the pause goes on, and this one waits
// YieldPause more before it reads again, so that the key passes to the
// next writer rather than back. Called with u.mu held.
func (u *Updater) lostHold(k objectKey) (resumed bool) {
	h, ok := u.holds[k]
	if ok {
		u.holds[k] = hold{served: h.served}
	}
	return h.resumed
}

// served reports whether the yield y is one the Updater carried on k.
// Called with u.mu held.
func (u *Updater) served(k objectKey, y string) bool { return u.holds[k].served == y }

// yield makes the pause a yield owes before the next write to k (the rest
// of YieldPause, and of the time its round took, since the commit that
// carried it: see hold.took), and reports it as a Yielded event.
func (u *Updater) yield(ctx context.Context, k objectKey) error {
	u.mu.Lock()
	h, ok := u.holds[k]
	now := u.opts.Now()
	idle, pause := now.Sub(h.last), YieldPause+h.took
	due := ok && h.pause && idle < pause
	if due {
		h.resumed = true
		u.holds[k] = h
	}
	u.mu.Unlock()
	if !due {
		return nil
	}
	d := pause - idle
	u.l.emitter.emit(ctx, Event{Action: Yielded, Operation: "PutObject", Bucket: k.bucket, Key: k.key,
		Delay: d, Elapsed: now.Sub(h.since)}, nil)
	return u.opts.Sleep(ctx, d)
}

// HeldMetadataKey is the user-metadata key (x-amz-meta-s3conflict-held)
// in which an Updater says, on each write, how long the key had gone
// without a yield when the write's round began, in milliseconds, as far
// as it knows: its own hold, and what the write it took the key from said
// (see UpdateOptions.YieldAfter). A yield writes 0.
//
// Why: the yield is the only time the updates waiting for a busy key are
// sure to get in, and writers that take the key from one another (one
// stops, or is taken for stopped) each held it less than YieldAfter: on
// versitygw, 4 processes writing one key without pause made no yield for
// 10 s, and an update that lost every take gave up (MaxRounds). The key's
// time goes on from writer to writer, so that it yields every YieldAfter
// whoever holds it.
const HeldMetadataKey = "s3conflict-held"

// holdSince returns when the key's time without a yield began, for a
// write over snap whose round began at began, carrying the yield y: the
// Updater's own hold's start while it goes on; for a new hold, the key's
// time snap says (HeldMetadataKey, at most YieldAfter) when snap was
// written by a writer that held the key until now (this update lost
// a race, contended, or snap's write is less than YieldPause old by our
// clock); else zero (from the commit). A write that yields starts it
// afresh. Called with u.mu held.
func (u *Updater) holdSince(k objectKey, snap *snapshot, began time.Time, contended bool, y string) time.Time {
	if u.opts.YieldAfter < 0 {
		return time.Time{}
	}
	if y != "" {
		return began
	}
	if h, ok := u.holds[k]; ok && !h.last.IsZero() && began.Sub(h.last) < YieldPause {
		return h.since
	}
	recent := !snap.wrote.IsZero() && began.Sub(snap.wrote) < YieldPause && snap.wrote.Sub(began) < YieldPause
	if snap.held <= 0 || writerOf(snap.token) == "" || !(contended || recent) {
		return time.Time{}
	}
	return began.Add(-min(snap.held, u.opts.YieldAfter))
}

// heldOf reads HeldMetadataKey from an object's metadata; 0 when absent
// or not a count of milliseconds.
func heldOf(md map[string]string) time.Duration {
	ms, err := strconv.ParseUint(md[HeldMetadataKey], 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// stampHeld adds HeldMetadataKey (d, in milliseconds) to md, if S3's 2 KB
// of user metadata leave room.
func stampHeld(md map[string]string, d time.Duration) {
	v := strconv.FormatInt(max(d, 0).Milliseconds(), 10)
	if usermeta.Size(md)+len(HeldMetadataKey)+len(v) <= usermeta.Limit {
		md[HeldMetadataKey] = v
	}
}
