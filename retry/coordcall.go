package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/stackid"
)

// held is what a call knows of the lane it holds: nothing when its
// operation is not serialized or coordination is off.
type held struct {
	c      *coordinator
	ln     *lane
	waited time.Duration // how long the call waited for the lane
	// id is the call id of a call that waited (its Waited record has it),
	// "" for one that found the lane free: a call that waited ends with a
	// final record even when it meets no conflict (done, loop.run).
	id string
}

// callID returns the call's id: the lane holder's when it holds one.
func (h held) callID() string { return h.c.callID(h.ln) }

// behind returns how many calls wait for the call's lane.
func (h held) behind() int { return h.c.behind(h.ln) }

// take gets the lane of bucket for the call, waiting in line behind the
// calls of the client that hold or wait for it. A call that waited reports
// it (Waited); one whose context ends while it waits leaves the line,
// reports a Stop, and returns the context's error having sent nothing.
func (m *middlewareImpl) take(ctx context.Context, c *coordinator, bucket string, start time.Time) (held, error) {
	ln, tn := c.acquire(bucket)
	if tn == nil {
		return held{c: c, ln: ln}, nil
	}
	e := Event{CallID: tn.id, Operation: middleware.GetOperationName(ctx), Bucket: bucket,
		WaitedFor: tn.waitedFor, Ahead: tn.ahead}
	select {
	case <-tn.ready:
	case <-ctx.Done():
		c.leave(ln, tn)
		e.Action = Stop
		e.Waited = m.l.opts.Now().Sub(start)
		e.Elapsed = e.Waited
		e.Err = fmt.Errorf("s3conflict: %s of bucket %s: waiting behind %d calls of this client: %w",
			e.Operation, bucket, tn.ahead, ctx.Err())
		m.l.emitter.emit(ctx, e, &m.meter)
		return held{}, e.Err
	}
	waited := m.l.opts.Now().Sub(start)
	e.Action, e.Delay, e.Waited, e.Elapsed = Waited, waited, waited, waited
	m.l.emitter.emit(ctx, e, &m.meter)
	return held{c: c, ln: ln, waited: waited, id: tn.id}, nil
}

// done emits the final record of a call that waited in line and then sent
// its request once, without the loop: Resolved when it succeeded, else
// (inside Do, which decides what follows) a Stop with its error.
func (m *middlewareImpl) done(ctx context.Context, h held, params any, start time.Time, err error) {
	bucket, key, _ := fieldsOf(params)
	op := middleware.GetOperationName(ctx)
	e := Event{Action: Resolved, CallID: h.id, Operation: op, Bucket: bucket, Key: key, Attempt: 1,
		Waited: h.waited, Elapsed: m.l.opts.Now().Sub(start)}
	if err != nil {
		e.Action, e.Err = Stop, err
		e.Kind = m.l.classifier.ClassifyOperation(op, err)
		e.Code, e.StatusCode = s3err.Code(err), s3err.Status(err)
		e.RequestID, e.HostID = s3err.RequestIDs(err)
	}
	m.l.emitter.emit(ctx, e, &m.meter)
}

// coordinator returns the coordinator m's calls queue in, made at the
// first call that needs it; nil with NoCoordination.
func (m *middlewareImpl) coordinator() *coordinator {
	if m.l.opts.NoCoordination {
		return nil
	}
	m.coordOnce.Do(func() {
		if m.coord == nil {
			m.coord = newCoordinator()
		}
	})
	return m.coord
}

// inherit returns the middleware m adds to stack: m itself, or, when m
// replaces an earlier registration that coordinates (the client's) and m
// coordinates too, a middleware like m that queues in the earlier one's
// coordinator, so that a per-call OnConflict waits in line with the
// client's other calls.
func (m *middlewareImpl) inherit(stack *middleware.Stack) *middlewareImpl {
	if m.l.opts.NoCoordination {
		return m
	}
	old, ok := stack.Initialize.Get(stackid.Retry)
	if !ok {
		return m
	}
	om, ok := old.(*middlewareImpl)
	if !ok || om == m {
		return m
	}
	if c := om.coordinator(); c != nil {
		mw := newMiddleware(m.l, m.opts)
		mw.coord = c
		return mw
	}
	return m
}
