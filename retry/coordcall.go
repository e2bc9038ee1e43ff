package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/internal/stackid"
)

// held is what a call knows of the lane it holds: nothing when its
// operation is not serialized or coordination is off.
type held struct {
	c      *coordinator
	ln     *lane
	waited time.Duration // how long the call waited for the lane
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
	return held{c: c, ln: ln, waited: waited}, nil
}

// coordinated is a per-call registration that queues in the coordinator of
// the registration it replaced: a per-call OnConflict still waits in line
// with the client's other calls.
type coordinated struct {
	*middlewareImpl
	c *coordinator
}

func (w coordinated) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	return w.handle(ctx, in, next, w.c)
}

// inherit returns the middleware m adds to stack: m itself, or, when m
// replaces an earlier registration that coordinates (the client's) and m
// coordinates too, m queuing in the earlier one's coordinator.
func (m *middlewareImpl) inherit(stack *middleware.Stack) middleware.InitializeMiddleware {
	if m.coord == nil {
		return m
	}
	old, ok := stack.Initialize.Get(stackid.Retry)
	if !ok {
		return m
	}
	var c *coordinator
	switch o := old.(type) {
	case *middlewareImpl:
		c = o.coord
	case coordinated:
		c = o.c
	}
	if c == nil || c == m.coord {
		return m
	}
	return coordinated{m, c}
}
