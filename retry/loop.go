package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/ctxwait"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// loop is a registered configuration: options with their classifier and
// budget. It is immutable after construction and shared by all calls.
type loop struct {
	opts       Options
	classifier conflict.Classifier
	budget     *Budget
	emitter    emitter
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
		o.Sleep = ctxwait.Sleep
	}
	l := &loop{opts: o, classifier: conflict.NewClassifier(o.Rules...), budget: o.Budget,
		emitter: emitter{logger: o.Logger, onEvent: o.OnEvent}}
	if l.budget == nil && defaultBudget {
		l.budget = NewBudget(0, 0, 0)
	}
	return l
}

// emit reports a decision of the call t.
func (l *loop) emit(ctx context.Context, t *target, e Event) {
	e.CallID = t.id
	l.emitter.emit(ctx, e, t.meter)
}

// run takes over after the first attempt, which started at start and
// failed with err, and sends attempt again until it succeeds, fails with
// something that is not a conflict, or a decision ends the call. accepted is
// true when a conflict answer was accepted as success. Every call that gets
// here with a conflict, or having waited in line (t.held.id), ends with one
// final event: Resolved, Accept or Stop.
func (l *loop) run(ctx context.Context, t *target, start time.Time, err error, attempt func(context.Context) error) (accepted bool, _ error) {
	o := &l.opts
	var bo backoff.BackOff
	var last Event // the last conflict's decision, for the final event
	// final emits the call's last record when no conflict decided it: the
	// success of a resend, or a body that could not be rewound.
	final := func(a Action, attempt int, err error) {
		e := last
		e.Action, e.Attempt, e.Delay, e.BudgetWait, e.NewBucket, e.Err = a, attempt, 0, 0, "", err
		e.Bucket, e.Waited, e.Elapsed = t.bucket, t.waited, o.Now().Sub(start)
		l.emit(ctx, t, e)
	}
	renames := 0
	for n := 1; ; n++ {
		if n > 1 {
			if t.rewind != nil {
				if rerr := t.rewind(); rerr != nil {
					err = fmt.Errorf("s3conflict: rewinding the request body for attempt %d: %w", n, rerr)
					final(Stop, n-1, err)
					return false, err
				}
			}
			if err = attempt(ctx); err == nil {
				final(Resolved, n, nil)
				return false, nil
			}
		}
		op := t.op
		if op == "" {
			op = conflict.OperationOf(err)
		}
		kind := l.classifier.ClassifyOperation(op, err)
		refused := t.refused != nil && t.refused(kind, err)
		if kind == conflict.None && n == 1 && !refused && t.held.id == "" {
			return false, err // not a conflict: not ours to judge (a call that waited in line ends with a Stop)
		}
		if t.id == "" {
			t.id = t.held.callID()
			if t.params != nil {
				t.bucket, t.key, t.uploadID = fieldsOf(t.params)
			}
		}
		elapsed := o.Now().Sub(start)
		sent := n // requests sent so far; a pass a precheck refused sent none
		if unsent(err) {
			sent--
		}
		ev := func(a Action) Event {
			ce := conflict.NewError(kind, op, t.bucket, t.key, err)
			return Event{Action: a, Operation: op, Bucket: t.bucket, Key: t.key, Code: ce.Code,
				StatusCode: ce.StatusCode, Kind: kind, Attempt: sent, Waited: t.waited, Elapsed: elapsed,
				RequestID: ce.RequestID, HostID: ce.HostID, Err: err}
		}
		stop := func(reason error) error {
			ce := conflict.NewError(kind, op, t.bucket, t.key, err)
			ce.Attempts, ce.Elapsed, ce.CallID = sent, elapsed, t.id
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
		if refused {
			was := kind
			kind = conflict.PreconditionFailed // If-Match's 404 NoSuchKey too: the condition failed
			switch t.resolve(ctx) {
			case ours:
				l.emit(ctx, t, ev(Accept))
				t.accepted = kind
				return true, nil
			case ambiguous:
				return false, stop(ErrAmbiguousWrite)
			}
			kind = was
			if kind == conflict.None && n == 1 {
				return false, err // a lost race, no conflict: not ours to judge
			}
		}
		if kind == conflict.None { // after a resend: the call ends with a record, the error as it is
			l.emit(ctx, t, ev(Stop))
			return false, err
		}
		s := l.decide(kind, op, s3err.Code(err))
		last = ev(Retry)
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
			behind := t.held.behind() // they share this call's probes (coord.go)
			if n >= s.maxAttempts*(behind+1) {
				return false, stop(ErrMaxAttempts)
			}
			if bo == nil {
				bo = s.backoff()
			}
			d := bo.NextBackOff()
			if d == backoff.Stop {
				return false, stop(ErrBackoffStopped)
			}
			d = shareDelay(d, behind)
			if s.maxElapsed > 0 && elapsed+d > s.maxElapsed {
				return false, stop(ErrMaxElapsed)
			}
			if outlasts(ctx, d) {
				return false, stop(context.DeadlineExceeded)
			}
			bw, ok := l.budget.reserve()
			if !ok {
				return false, stop(ErrBudgetExhausted)
			}
			if bw > 0 && outlasts(ctx, d+bw) {
				l.budget.refund()
				return false, stop(context.DeadlineExceeded)
			}
			e := ev(Retry)
			e.Delay, e.BudgetWait, e.Behind = d+bw, bw, behind
			l.emit(ctx, t, e)
			if werr := o.Sleep(ctx, d+bw); werr != nil {
				elapsed = o.Now().Sub(start)
				return false, stop(werr)
			}
			t.waited += d + bw
		default:
			return false, stop(nil)
		}
	}
}

// outlasts reports whether a wait of d would end after ctx's deadline: such
// a wait is never started.
func outlasts(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// unsent reports whether err says its request was never sent: a
// precheck's refusal, a *conflict.Error with Attempts 0.
func unsent(err error) bool {
	var ce *conflict.Error
	return errors.As(err, &ce) && ce.Attempts == 0
}
