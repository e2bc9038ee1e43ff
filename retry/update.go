package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"
)

// ObjectClient is the part of *s3.Client that Updater and Claim use. With
// an *s3.Client, an update waiting for a key that other writers keep
// changing probes it with HeadObject, and reads the content only to write
// it; any other ObjectClient is probed with GetObject.
type ObjectClient interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ ObjectClient = (*s3.Client)(nil)

// UpdateFunc computes an object's new content from its current content.
// exists is false when the object is absent (current is then nil). It must
// not modify current, and may be called more than once for one update (again
// after another writer won): it must depend on nothing but its arguments.
// It returns ErrNoChange to leave the object as it is, or another error to
// give up; either way nothing of it is written.
type UpdateFunc func(current []byte, exists bool) ([]byte, error)

// ErrNoChange, returned by an UpdateFunc, ends the update without a write.
// Update then returns a Committed with Changed false and no error.
var ErrNoChange = errors.New("no change")

// ErrTooLarge: the object, or the new content an UpdateFunc returned, is
// larger than UpdateOptions.MaxSize.
var ErrTooLarge = errors.New("object larger than the update size cap")

// ErrCreateRefused: creating the object (If-None-Match: "*") was refused
// with 412 three times in a row while every read found no object. The
// server counts something GetObject does not show (versitygw v1.8.0
// counts a delete marker as an object); no retry can help.
var ErrCreateRefused = errors.New("create refused though no object can be read")

// ErrUpdatePanic: the UpdateFunc panicked; the panic value is in the error.
var ErrUpdatePanic = errors.New("update function panicked")

// Committed is the outcome of a successful update.
type Committed struct {
	// ETag and VersionID are those of the write that carries the update
	// (VersionID is empty on an unversioned bucket). When Changed is false
	// they are those of the state the function saw. When the answer to our
	// write was lost and another writer had already replaced it by the time
	// the re-read proved it, they are empty and Superseded is true.
	ETag, VersionID string
	// Changed is false when the function returned ErrNoChange.
	Changed bool
	// Proven: the write's answer was lost (or a 412 answered a resend), and
	// the update was proven committed by the token it carries.
	Proven bool
	// Superseded: see ETag.
	Superseded bool
}

// Defaults of UpdateOptions.
const (
	// DefaultMaxSize caps what an update reads into memory: 16 MiB.
	DefaultMaxSize = 16 << 20
	// DefaultMaxRounds caps how often one update waits because other
	// writers won: 100.
	DefaultMaxRounds = 100
	// DefaultMaxCached is how many keys an Updater remembers its own last
	// write of (content at most 64 KiB each), so that its next update of
	// the key can skip the read: 64.
	DefaultMaxCached = 64
	maxCachedSize    = 64 << 10
)

// UpdateOptions configure an Updater. Zero fields mean the documented
// defaults.
type UpdateOptions struct {
	// Options say how a write answered 409 ConditionalRequestConflict is
	// sent again, as is (Backoff, MaxAttempts, MaxElapsed, Budget, Policies,
	// Rules), and where decisions are reported (Logger, OnEvent). Sleep
	// also serves the waits after a lost race, Now the clock. Disabled,
	// Rename and NoWriteToken do not apply: writes always carry a token.
	Options

	// MaxSize caps the object size read into memory and the content
	// written, in bytes. 0: DefaultMaxSize (16 MiB); negative: no cap.
	MaxSize int64

	// MaxRounds caps how often one update waits because another writer
	// won (a lost race, or a full contention wait after which a read found
	// the key still changing; the short waits, to confirm a busy key's
	// stop or after a lost take of a small object, do not count, and at
	// most five writes are sent per round).
	// 0 or negative: DefaultMaxRounds (100), about 10 s with the default
	// contention backoff, up to about 25 s for an update whose takes keep
	// losing (each round then has its short waits too), on a server that
	// answers in 2 ms. Each round's reads and writes, and the short waits
	// after lost takes (three round trips each, at most 50 ms), add to it:
	// with every take losing, about 40 s when each request takes 10 ms,
	// 50 s at 20 ms, 85 s at 50 ms. A writer in
	// another process that commits without pause could hold a key that
	// long: an Updater leaves it alone for a moment after YieldAfter (5
	// s), and the waiting updates get in then; a writer that does not
	// (another program, or YieldAfter negative) makes them fail with
	// ErrMaxAttempts rather than wait for ever. Options.MaxElapsed does
	// not bound these waits (it applies to resending a write answered
	// ConditionalRequestConflict); the context's deadline does.
	MaxRounds int

	// Contention makes the wait between a lost race and the re-read, one
	// per key while the key is contended. nil, or a function that returns
	// nil: DefaultContentionBackoff.
	// The short waits of an update watching a busy key (a few of the
	// writer's intervals or of the reads' round trips, 1 to 50 ms) are not
	// taken from it.
	// When it returns backoff.Stop, the updates waiting for the key end
	// with ErrBackoffStopped.
	Contention func() backoff.BackOff

	// MaxCached is how many keys keep the content of the Updater's own last
	// write; 0: DefaultMaxCached (64); negative: none (every update reads).
	MaxCached int

	// YieldAfter is how long the Updater may commit to one key without a
	// pause of YieldPause between a commit and the next update's start
	// before it leaves the key alone for YieldPause, and as long again as
	// that update took (a Yielded event), so that the updates of other
	// writers waiting for it get in: a writer that always has more to
	// write would otherwise hold the key until they give up (MaxRounds).
	// It costs a writer that commits to one key without pause 200 ms and
	// one update's time every 5 s (about 4% of its rate when an update
	// takes a few ms, 9% when it takes 250 ms), and nothing to one that
	// pauses. The time goes on from writer to writer: an Updater that
	// takes the key from a writer that held it until then (its update
	// lost a race, or that writer's last write is less than YieldPause
	// old) takes on how long that writer said the key had gone without a
	// yield (HeldMetadataKey), so that the key yields every YieldAfter
	// whoever holds it. 0: DefaultYieldAfter (5 s); negative: never yield.
	YieldAfter time.Duration
}

// Contention backoff numbers. The wait after a lost race starts at 5 ms
// and doubles per lost race up to 100 ms, ±50% jitter while it grows and
// ±10% at 100 ms. Why: a writer that
// has just committed knows the object and commits its next update with one
// request; writers that lost should let it and probe seldom, since every
// probe costs requests. After two lost races in a row, or one whose next
// read finds two writes or more by one writer since the lost write's base,
// not far apart (the winner goes on; an update with at most three rounds
// left writes instead), a queue only reads
// after each wait, and writes once a read finds at most one write since
// the previous read, or writes more than two and a half round trips (or
// of the busy writer's intervals, if longer) apart on average (a key
// passing from waiter to waiter, not one busy writer), or a last write
// made longer ago than three of those intervals and a round trip (by the
// time Updater puts on each write, see WritesMetadataKey); should that
// write lose, to another waiter most likely, a short wait and a read
// follow instead of a whole wait (four times in a row at most, the wait
// doubling, for objects of at most 64 KiB; no round). For an object larger
// than 64 KiB, one write by the same writer during the short wait after
// the key's first watch read, or over less than two of its intervals,
// does not count as a stop: such a writer reads before each write, and a
// take would download the object. A read after a full wait that cannot
// tell whether the key's writer goes on (writes without times that came slower than 4/5 of
// the pace the previous wait measured, or a key just handed from one
// writer to another) is followed by a short wait, three of the busy
// writer's intervals (1 to 50 ms), and a read. So a writer that stops is
// noticed at the next probe of any waiting update, and its key passes on a
// few of its intervals after that: a whole wait later only when every
// waiting update probed just before it stopped. An update that met no
// contention does not reset the wait; 16 commits in a row that met none
// do. Measured with 16 writers in
// separate clients on one key (BenchmarkContendedUpdate, versitygw): a
// 50 ms ceiling cost about 3.5 requests per update, 100 ms about 2, and
// 250 ms about 1.8 but left the key idle longer when its hot writer stopped.
const (
	DefaultContentionInitial = 5 * time.Millisecond
	DefaultContentionMax     = 100 * time.Millisecond
)

// DefaultContentionBackoff returns the default wait after a lost race:
// exponential from DefaultContentionInitial (5 ms), ×2, at most
// DefaultContentionMax (100 ms) before jitter, no time cap; ±50% jitter
// while it grows, ±10% once at its ceiling. The wide jitter spreads
// writers that lost together; at the ceiling they are spread, and the
// waits of the updates that watch a busy key come at an even pace: when
// its writer stops, the last of them notices within about 110 ms, where
// ±50% left it up to 150 ms (see TestSeparateWritersKeepTheirRate).
func DefaultContentionBackoff() backoff.BackOff { return &contentionBackoff{} }

// contentionBackoff is DefaultContentionBackoff's backoff.BackOff.
type contentionBackoff struct{ next time.Duration }

func (b *contentionBackoff) NextBackOff() time.Duration {
	d := max(b.next, DefaultContentionInitial)
	b.next = min(2*d, DefaultContentionMax)
	jitter := 0.5
	if d >= DefaultContentionMax {
		jitter = 0.1
	}
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*rand.Float64()))
}

func (b *contentionBackoff) Reset() { b.next = 0 }

// Updater runs read-modify-write updates of S3 objects with conditional
// writes: concurrent writers, in this process or others, lose no update and
// apply none twice.
//
// Updates of one key through one Updater are combined: while one write is
// in flight, later updates queue; the next read serves them all, their
// functions apply in order, and one conditional write commits them. Share
// one Updater per client for that. An Updater is safe for concurrent use;
// it starts no goroutines (each update runs in its caller's). Inside Do,
// an update sends each write once and Do decides what a
// ConditionalRequestConflict leads to; lost races are still re-applied.
type Updater struct {
	c    ObjectClient
	opts UpdateOptions
	l    *loop
	// own makes a write the only decision-maker of its request: the
	// client's OnConflict middleware steps aside for it.
	own func(*s3.Options)

	// writer begins each of its write tokens (see tokenOf).
	writer string

	mu    sync.Mutex
	keys  map[objectKey]*queue
	holds map[objectKey]hold // keys committed to lately (see UpdateOptions.YieldAfter)
}

type objectKey struct{ bucket, key string }

// NewUpdater returns an Updater that sends through c.
func NewUpdater(c ObjectClient, optFns ...func(*UpdateOptions)) *Updater {
	var o UpdateOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.MaxSize == 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxRounds <= 0 {
		o.MaxRounds = DefaultMaxRounds
	}
	if o.Contention == nil {
		o.Contention = DefaultContentionBackoff
	}
	if o.MaxCached == 0 {
		o.MaxCached = DefaultMaxCached
	}
	if o.YieldAfter == 0 {
		o.YieldAfter = DefaultYieldAfter
	}
	base := o.Options
	base.Disabled, base.Rename = false, nil
	u := &Updater{c: c, l: newLoop([]func(*Options){func(p *Options) { *p = base }}, true),
		own: OnConflict(func(p *Options) { p.Disabled = true }), keys: make(map[objectKey]*queue),
		holds: make(map[objectKey]hold), writer: newToken()[:writerLen]}
	o.Options = u.l.opts
	u.opts = o
	return u
}

// Update reads bucket/key, calls fn with its content, and writes fn's
// result with If-Match on the ETag read (If-None-Match: "*" when absent),
// until the write commits: after a 412 it reads again and calls fn again.
// A write whose answer never came, or came as a 5xx other than 503, is not
// resent (the SDK's retryer is told so for this request): the object is
// read at once, and its token and lineage tell whether the write landed.
// See Updater for combining and UpdateFunc for what fn must do.
//
// Errors, none of which leaves the update written: fn's own error;
// ErrUpdatePanic; ErrTooLarge; ErrCreateRefused; a *conflict.Error of kind
// PreconditionFailed with Reason ErrMaxAttempts after MaxRounds rounds
// (ErrBackoffStopped when UpdateOptions.Contention returned backoff.Stop),
// or of kind Transient when ConditionalRequestConflict outlasts the
// Options' caps; the error of a read (GetObject, or HeadObject while waiting) or the
// refusal of a write (a 4xx other than 409 and 412), as the SDK returned
// it; the context's error. ErrAmbiguousWrite (alone, or with the
// context's error when a write with this update was in flight) says the
// update may have been written: a write's answer was lost and the re-read
// can prove neither way.
func (u *Updater) Update(ctx context.Context, bucket, key string, fn UpdateFunc) (Committed, error) {
	if fn == nil {
		return Committed{}, errors.New("s3conflict: Update needs a function")
	}
	if bucket == "" || key == "" {
		return Committed{}, errors.New("s3conflict: Update needs a bucket and a key")
	}
	if err := ctx.Err(); err != nil {
		return Committed{}, err
	}
	return u.enqueue(ctx, objectKey{bucket, key}, fn)
}

// Update is NewUpdater(c, optFns...).Update(ctx, bucket, key, fn): one
// update with nothing to combine it with.
func Update(ctx context.Context, c ObjectClient, bucket, key string, fn UpdateFunc, optFns ...func(*UpdateOptions)) (Committed, error) {
	return NewUpdater(c, optFns...).Update(ctx, bucket, key, fn)
}
