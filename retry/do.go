package retry

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Do calls op, and again as the Options decide while op returns S3 conflict
// errors: the same classification, policies, caps, logging and events as
// OnConflict, for any function — typically a sequence of S3 calls that must
// be repeated as a whole. The operation name is read from the
// *smithy.OperationError in op's error.
//
// Do is the one decision-maker for the calls op makes: the loop of a
// client that has OnConflict steps aside for calls made with Do's context
// (each such call is sent once by that loop, its conditional-write proof
// still applies, and Do decides what happens next). A Do inside another
// Do's op calls its op once: the outer Do decides.
//
// Do cannot rewind request bodies or rename buckets: op must build its
// requests afresh on every call. Accept makes Do return nil. Do uses no
// budget unless Options.Budget names one; share a Budget between calls to
// bound what a storm adds.
func Do(ctx context.Context, op func(context.Context) error, optFns ...func(*Options)) error {
	if inDo(ctx) != nil {
		return op(ctx)
	}
	l := newLoop(optFns, false)
	if l.opts.Disabled {
		return op(ctx)
	}
	ctx = context.WithValue(ctx, doKey{}, &doCall{})
	start := l.opts.Now()
	err := op(ctx)
	if err == nil {
		return nil
	}
	t := &target{rewindable: true, canAccept: true}
	_, err = l.run(ctx, t, start, err, op)
	return err
}

// doKey marks a context inside Do; its value is the *doCall.
type doKey struct{}

// doCall is what one Do call remembers across the passes of its op: the
// conditional writes that failed, so that a 412 to the same write in a
// later pass is resolved by every send of the logical call.
type doCall struct {
	mu     sync.Mutex
	writes map[[2]string]priorWrite // by bucket and key
}

// priorWrite is what earlier, failed calls of one conditional write sent.
type priorWrite struct {
	sends  int
	tokens []string
}

// inDo returns the Do call ctx belongs to, or nil.
func inDo(ctx context.Context) *doCall {
	dc, _ := ctx.Value(doKey{}).(*doCall)
	return dc
}

// join adds what earlier failed calls of w's write sent to w, and returns
// a function that records w as failed too.
func (dc *doCall) join(w *write) (failed func()) {
	k := [2]string{aws.ToString(w.head.Bucket), aws.ToString(w.head.Key)}
	dc.mu.Lock()
	p := dc.writes[k]
	dc.mu.Unlock()
	own := priorWrite{sends: w.sends, tokens: append([]string(nil), w.tokens...)}
	w.sends += p.sends
	w.tokens = append(w.tokens, p.tokens...)
	return func() {
		dc.mu.Lock()
		defer dc.mu.Unlock()
		if dc.writes == nil {
			dc.writes = make(map[[2]string]priorWrite)
		}
		q := dc.writes[k]
		q.sends += own.sends
		q.tokens = append(q.tokens, own.tokens...)
		dc.writes[k] = q
	}
}
