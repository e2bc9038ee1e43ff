package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// loop is a registered configuration: options with their classifier and
// budget. It is immutable after construction and shared by all calls.
type loop struct {
	opts       Options
	classifier conflict.Classifier
	budget     *Budget
}

func newLoop(optFns []func(*Options), defaultBudget bool) *loop {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o = o.copy()
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	l := &loop{opts: o, classifier: conflict.NewClassifier(o.Rules...), budget: o.Budget}
	if l.budget == nil && defaultBudget {
		l.budget = NewBudget(0, 0, 0)
	}
	return l
}

// target is what the loop knows of one call.
type target struct {
	op                    string
	bucket, key, uploadID string
	// rewind prepares a resend; nil when there is nothing to rewind.
	rewind func() error
	// rewindable is false for a body that cannot seek.
	rewindable bool
	// canAccept reports whether Accept can produce a result.
	canAccept bool
	// rename switches the request to a new bucket name; nil: no renaming.
	rename func(name string)
	// describe fills bucket and key lazily, on the first conflict.
	describe func(t *target)
	// accepted is set by run to the kind it accepted as success.
	accepted conflict.Kind
	// count, when set, counts a decision on the client's meter.
	count func(context.Context, Event)
	// resolve tells, for a PreconditionFailed answer, whether it was our
	// own earlier send; nil: it is a lost race.
	resolve func(ctx context.Context) resolution
}

// resolution is what a 412 to a conditional write turned out to be.
type resolution uint8

const (
	lostRace  resolution = iota // another writer won
	ours                        // our own earlier send landed: success
	ambiguous                   // cannot be proven either way
)

// emit reports a decision: log, hook, span, and the client's meter.
func (l *loop) emit(ctx context.Context, t *target, e Event) {
	l.opts.emit(ctx, e)
	if t.count != nil {
		t.count(ctx, e)
	}
}

// run takes over after the first attempt, which started at start and
// failed with err, and sends attempt again until it succeeds, fails with
// something that is not a conflict, or a decision ends the call. accepted is
// true when a conflict answer was accepted as success.
func (l *loop) run(ctx context.Context, t *target, start time.Time, err error, attempt func(context.Context) error) (accepted bool, _ error) {
	o := &l.opts
	var bo backoff.BackOff
	renames := 0
	for n := 1; ; n++ {
		if n > 1 {
			if t.rewind != nil {
				if rerr := t.rewind(); rerr != nil {
					return false, fmt.Errorf("s3conflict: rewinding the request body for attempt %d: %w", n, rerr)
				}
			}
			if err = attempt(ctx); err == nil {
				return false, nil
			}
		}
		op := t.op
		if op == "" {
			op = conflict.OperationOf(err)
		}
		kind := l.classifier.ClassifyOperation(op, err)
		if kind == conflict.None {
			return false, err // not a conflict: not ours to judge
		}
		if t.describe != nil {
			t.describe(t)
			t.describe = nil
		}
		code := s3err.Code(err)
		resolved := lostRace
		if kind == conflict.PreconditionFailed && t.resolve != nil {
			resolved = t.resolve(ctx)
		}
		s := o.decide(kind, op, code)
		elapsed := o.Now().Sub(start)
		ev := func(a Action) Event {
			ce := conflict.NewError(kind, op, t.bucket, t.key, err)
			return Event{Action: a, Operation: op, Bucket: t.bucket, Key: t.key, Code: ce.Code,
				StatusCode: ce.StatusCode, Kind: kind, Attempt: n, Elapsed: elapsed,
				RequestID: ce.RequestID, HostID: ce.HostID, Err: err}
		}
		stop := func(reason error) error {
			ce := conflict.NewError(kind, op, t.bucket, t.key, err)
			ce.Attempts, ce.Elapsed = n, elapsed
			if reason != nil {
				ce.Reason = reason
			}
			if t.uploadID != "" {
				ce.UploadID = t.uploadID
			}
			e := ev(Stop)
			e.Err = ce
			l.emit(ctx, t, e)
			return ce
		}
		switch resolved {
		case ours:
			l.emit(ctx, t, ev(Accept))
			t.accepted = kind
			return true, nil
		case ambiguous:
			return false, stop(ErrAmbiguousWrite)
		}
		switch s.action {
		case Accept:
			if !t.canAccept {
				return false, stop(ErrNoOutput)
			}
			l.emit(ctx, t, ev(Accept))
			t.accepted = kind
			return true, nil
		case Rename:
			if t.rename == nil || o.Rename == nil {
				return false, stop(nil)
			}
			if n >= s.maxAttempts {
				return false, stop(ErrMaxAttempts)
			}
			renames++
			name, rerr := o.Rename(t.bucket, renames)
			if rerr != nil || name == "" || name == t.bucket {
				return false, stop(errors.Join(ErrRename, rerr))
			}
			e := ev(Rename)
			e.NewBucket = name
			l.emit(ctx, t, e)
			t.rename(name)
			t.bucket = name
		case Retry:
			if !t.rewindable {
				return false, stop(ErrBodyNotRewindable)
			}
			if n >= s.maxAttempts {
				return false, stop(ErrMaxAttempts)
			}
			if bo == nil {
				bo = s.backoff()
			}
			d := bo.NextBackOff()
			if d == backoff.Stop {
				return false, stop(ErrBackoffStopped)
			}
			if s.maxElapsed > 0 && elapsed+d > s.maxElapsed {
				return false, stop(ErrMaxElapsed)
			}
			bw, ok := l.budget.reserve()
			if !ok {
				return false, stop(ErrBudgetExhausted)
			}
			e := ev(Retry)
			e.Delay, e.BudgetWait = d+bw, bw
			l.emit(ctx, t, e)
			if werr := o.Sleep(ctx, d+bw); werr != nil {
				ce := conflict.NewError(kind, op, t.bucket, t.key, err)
				ce.Attempts, ce.Elapsed = n, o.Now().Sub(start)
				return false, fmt.Errorf("%w while waiting to retry: %w", werr, ce)
			}
		default:
			return false, stop(nil)
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
