package retry

import (
	"sync"
	"time"
)

// coordinator queues the calls of one client that S3 applies one at a time
// per bucket (see serialized): one call holds a bucket's lane at a time and
// the others wait in the order they came. A call that finds the lane free
// takes it under one mutex and a map lookup, with nothing allocated once
// its bucket's lane exists; only a call that has to wait allocates.
//
// The holder keeps the lane through its own retries: while it meets
// OperationAborted it probes for the calls behind it (shareDelay), and when
// it ends the next call goes, so a bucket freed after a storm sees one call
// at a time, not a herd. It starts no goroutine.
//
// A coordinator is safe for concurrent use.
type coordinator struct {
	mu    sync.Mutex
	lanes map[string]*lane // by bucket: held, or kept idle for reuse
}

// maxIdle is how many idle lanes a coordinator keeps, so that a bucket
// written again finds its lane without allocating or growing the map.
const maxIdle = 64

// lane is one bucket of a coordinator.
type lane struct {
	busy bool // a call holds it
	// holder is the call id of the call that holds the lane, made when a
	// waiter or the holder's first conflict needs it; "" until then.
	holder  string
	waiting []*turn // in arrival order
}

// turn is a call waiting for a lane.
type turn struct {
	id        string        // the waiting call's id
	waitedFor string        // the call id of the call just ahead of it when it came
	ahead     int           // calls ahead of it when it came, the holder included
	granted   bool          // the lane is this call's (guarded by coordinator.mu)
	ready     chan struct{} // closed when granted
}

func newCoordinator() *coordinator { return &coordinator{lanes: map[string]*lane{}} }

// acquire takes the lane of bucket for a call. When the lane is free it is
// the call's at once (tn is nil); otherwise tn is the call's place in the
// queue: wait for tn.ready, or leave.
func (c *coordinator) acquire(bucket string) (ln *lane, tn *turn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ln = c.lanes[bucket]; ln == nil {
		ln = &lane{}
		c.lanes[bucket] = ln
	}
	if !ln.busy {
		ln.busy = true
		return ln, nil
	}
	if ln.holder == "" {
		ln.holder = newCallID()
	}
	tn = &turn{id: newCallID(), waitedFor: ln.holder, ahead: len(ln.waiting) + 1, ready: make(chan struct{})}
	if n := len(ln.waiting); n > 0 {
		tn.waitedFor = ln.waiting[n-1].id
	}
	ln.waiting = append(ln.waiting, tn)
	return ln, tn
}

// release ends the holder's use of ln: the first call waiting gets it, or
// the lane goes idle (and idle lanes beyond maxIdle are forgotten).
func (c *coordinator) release(ln *lane) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ln.waiting) > 0 {
		tn := ln.waiting[0]
		ln.waiting[0] = nil
		ln.waiting = ln.waiting[1:]
		ln.holder, tn.granted = tn.id, true
		close(tn.ready)
		return
	}
	ln.busy, ln.holder, ln.waiting = false, "", ln.waiting[:0]
	if len(c.lanes) <= maxIdle {
		return
	}
	for b, idle := range c.lanes {
		if !idle.busy {
			delete(c.lanes, b)
		}
	}
}

// leave takes tn, whose context ended, out of ln's queue; when the lane had
// just been granted to it, it passes the lane on.
func (c *coordinator) leave(ln *lane, tn *turn) {
	c.mu.Lock()
	granted := tn.granted
	if !granted {
		for i, w := range ln.waiting {
			if w == tn {
				ln.waiting = append(ln.waiting[:i], ln.waiting[i+1:]...)
				break
			}
		}
	}
	c.mu.Unlock()
	if granted {
		c.release(ln)
	}
}

// callID returns the id of the call that holds ln, making it if needed, so
// that the holder's records and its waiters' agree; with no lane, a new id.
func (c *coordinator) callID(ln *lane) string {
	if c == nil || ln == nil {
		return newCallID()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ln.holder == "" {
		ln.holder = newCallID()
	}
	return ln.holder
}

// behind returns how many calls wait for ln; 0 without a lane.
func (c *coordinator) behind(ln *lane) int {
	if c == nil || ln == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(ln.waiting)
}

// MinSharedDelay is the shortest delay before a resend of a call that
// other calls of its client are waiting behind (see shareDelay).
const MinSharedDelay = 100 * time.Millisecond

// shareDelay is the delay of a call that k other calls wait behind: its
// backoff's delay d divided by the k+1 calls, never below MinSharedDelay
// (nor above d). The k+1 calls would each have polled every d on their
// own; the one that probes for them all sends no more than they would, and
// sees the resource free k+1 times sooner. Its attempt cap grows to match
// (k+1 times MaxAttempts).
func shareDelay(d time.Duration, k int) time.Duration {
	if k <= 0 || d <= MinSharedDelay {
		return d
	}
	return max(d/time.Duration(k+1), MinSharedDelay)
}
