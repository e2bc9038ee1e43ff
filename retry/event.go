package retry

import (
	"time"

	"github.com/s3conflict/s3conflict/conflict"
)

// Event describes one decision of the loop: a retry, a rename, an accepted
// answer, a give-up, or the success that ended a call the loop had resent.
// It is what Options.OnEvent receives and what the log record says.
//
// Every call that has an event — it met a conflict, or waited in line
// behind another call of its client — ends with exactly one final event:
// Resolved, Accept or Stop. All events of one call share its CallID.
type Event struct {
	Action Action // Retry, Rename, Accept, Stop, Resolved, Waited or Yielded
	// CallID is the same on every event and record of one call (16 hex
	// digits), so that interleaved retries of concurrent calls can be told
	// apart. It is made at the call's first conflict: a call that meets
	// none costs nothing.
	CallID     string
	Operation  string
	Bucket     string // the bucket the answered request named
	Key        string
	NewBucket  string // for Rename: the name the next request uses
	Code       string // the conflict's S3 code; for Resolved, the last conflict's
	StatusCode int
	// Kind is the conflict's kind; for Resolved, the last conflict's; None
	// for a Stop whose answer was not a conflict (a later request of the
	// call failed otherwise: a 404, the SDK's own retries spent), and for
	// the Resolved or Stop of a call that only waited in line.
	Kind    conflict.Kind
	Attempt int           // the request that was answered, from 1; for Resolved, the one that succeeded
	Delay   time.Duration // for Retry: the whole wait before the next request
	// BudgetWait is, for Retry, the part of Delay the budget added.
	BudgetWait time.Duration
	// Waited is the time the call spent waiting so far (every Delay before
	// this decision, its wait behind other calls included): for Resolved,
	// "resolved after Attempt requests, having waited Waited".
	Waited time.Duration
	// WaitedFor is, for Waited (and for a Stop that ended such a wait), the
	// CallID of the call just ahead of this one when it began to wait: the
	// holder of the bucket, or the last call waiting for it (whose own
	// Waited record carries that id). Ahead is how many calls were ahead of
	// it then, the holder included. Empty and 0 on other events.
	WaitedFor string
	Ahead     int
	// Behind is, for Retry, how many calls of the client were waiting
	// behind this one on the same bucket: its delay is its backoff's delay
	// shared among them (see the package documentation, Coordination).
	Behind    int
	Elapsed   time.Duration // since the call began (its first request, or its wait behind other calls)
	RequestID string
	HostID    string
	// Err is, for Stop, the error the call returns; for Resolved nil;
	// otherwise the answer that led to the decision.
	Err error
}
