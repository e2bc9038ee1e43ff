package retry

import (
	"context"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
)

// Defaults, chosen so that 50 concurrent callers of one client ride out a
// 10-second storm of OperationAborted without a failure, without moving in
// lockstep, and come back soon after the storm ends.
const (
	// DefaultMaxAttempts caps the requests one call sends (first included).
	// The default backoff needs about 11 requests to cover a 10-second storm
	// and 13 for 20 seconds; DefaultMaxElapsed ends a call first (about 15).
	DefaultMaxAttempts = 20
	// DefaultMaxElapsed caps the time one call spends retrying: longer than
	// the usual configuration-write race (seconds), short enough that a
	// caller is told within a minute that a name release after a delete is
	// still pending.
	DefaultMaxElapsed = 45 * time.Second
)

// Action is what the loop does about a classified answer.
type Action uint8

// The actions. The zero value, Default, means "what the kind gets by
// default" (see the package documentation).
const (
	Default Action = iota
	// Retry waits (backoff and budget) and sends the same request again.
	Retry
	// Stop returns a *conflict.Error at once.
	Stop
	// Accept treats the answer as success: CreateBucket and RestoreObject
	// return an empty output, Do returns nil. Other operations stop, since
	// there is no output to return.
	Accept
	// Rename sends CreateBucket again under the name Options.Rename gives.
	Rename
	// Resolved is never chosen, only reported: the final Event of a call
	// that the loop resent and that then succeeded ("resolved after Attempt
	// requests, having waited Waited"), logged at Info; also of a call that
	// waited behind other calls (Waited) and then succeeded at its first
	// request, with Kind None, logged at Debug. As a Policy's Action it
	// stops, like Stop.
	Resolved
	// Waited is never chosen, only reported: the call waited Delay behind
	// other calls of its client on the same bucket (Event.WaitedFor,
	// Event.Ahead) before its first request; logged at Debug. As a
	// Policy's Action it stops, like Stop.
	Waited
	// Yielded is never chosen, only reported: an Updater that had
	// committed to the key without a pause for UpdateOptions.YieldAfter
	// (Elapsed) left it alone for Delay before its next write, so that
	// other writers' updates waiting for it get in; logged at Debug. As a
	// Policy's Action it stops, like Stop.
	Yielded
)

var actionNames = [...]string{Default: "default", Retry: "retry", Stop: "stop", Accept: "accept", Rename: "rename",
	Resolved: "resolved", Waited: "waited", Yielded: "yielded"}

// String returns the action's lower-case name.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action?"
}

// Policy overrides the reaction to a kind, optionally only for one
// operation and one error code. The first matching policy in
// Options.Policies wins; zero fields match anything and zero settings fall
// back to Options.
type Policy struct {
	Kind      conflict.Kind // required: the kind this policy is for
	Operation string        // e.g. "DeleteBucket"; empty: every operation
	Code      string        // e.g. "OperationAborted"; empty: every code

	Action      Action                 // Default: the kind's default action
	Backoff     func() backoff.BackOff // nil: Options.Backoff
	MaxAttempts int                    // 0: Options.MaxAttempts
	MaxElapsed  time.Duration          // 0: Options.MaxElapsed
}

// Options configure the conflict loop. Zero fields mean the documented
// defaults. Options are copied when applied; the functions they hold must
// be safe for concurrent use, since one client serves many goroutines.
type Options struct {
	// Disabled turns the loop off: every request passes through untouched.
	// Useful per call: client.PutObject(ctx, in, retry.OnConflict(func(o
	// *retry.Options) { o.Disabled = true })).
	Disabled bool

	// Backoff makes the backoff for one operation call. nil: DefaultBackoff
	// (350 ms ± 40% plus 0.28 × the time already waited, at most 10 s per
	// delay). The loop's own caps hold whatever the backoff returns.
	Backoff func() backoff.BackOff

	// MaxAttempts caps the requests one call sends, the first included.
	// 0: DefaultMaxAttempts (20); 1: never resend.
	MaxAttempts int

	// MaxElapsed caps the time from the call's start (its first request,
	// or its wait behind other calls of the client) to the start of its
	// last request. 0: DefaultMaxElapsed (45 s); negative: no cap.
	MaxElapsed time.Duration

	// Policies refine the reaction per kind, operation and code. They are
	// consulted in order before the defaults.
	Policies []Policy

	// Rules extend or override the classification: consulted in order
	// before the built-in table (conflict.DefaultRules).
	Rules []conflict.Rule

	// Rename, when set, turns on renaming for NameTaken on CreateBucket:
	// it gets the name that was taken and the number of renames so far, and
	// returns the next name to try (naming.Rename fits). The final name comes
	// back through FinalBucket. nil: NameTaken stops with the error.
	Rename func(taken string, renames int) (string, error)

	// Budget limits the retries of all calls that share it. nil: one budget
	// per OnConflict value (DefaultBudgetRate, DefaultBudgetBurst).
	Budget *Budget

	// Logger receives one record per decision: a retry at Debug; accept,
	// rename and a success after retries (Resolved) at Info; a give-up
	// (Stop) at Warn; a wait in line and the success that follows it at
	// Debug. nil: no records at all.
	Logger *slog.Logger

	// OnEvent, when set, is called once per decision, and once more with
	// Resolved when a resent call (or one that waited in line) succeeds,
	// with the same facts as the log
	// record, from the goroutine of the call. It must be safe for concurrent
	// use: calls of one client run on many goroutines. The call may hold
	// its bucket's place in the queue (see NoCoordination): a hook that
	// calls the same client for the same bucket waits behind it.
	OnEvent func(Event)

	// Sleep waits for d or until ctx ends, returning ctx.Err() then.
	// nil: a timer. Tests replace it to never wait.
	Sleep func(ctx context.Context, d time.Duration) error

	// NoWriteToken turns off the token that conditional PutObject calls
	// carry in their metadata (TokenMetadataKey). Without it, a 412 that
	// answers the SDK's resend of a write whose first response was lost
	// cannot be told from a lost race, and is reported as PreconditionFailed
	// with ErrAmbiguousWrite.
	NoWriteToken bool

	// Now tells the time. nil: time.Now.
	Now func() time.Time

	// NoCoordination turns off the queue per bucket: by default (false)
	// the calls of one client that S3 applies one at a time per bucket —
	// configuration writes, CreateBucket and DeleteBucket — wait in line
	// for each other instead of racing into OperationAborted, and a call
	// that meets OperationAborted probes for those behind it (see the
	// package documentation, Coordination). A per-call OnConflict queues
	// with the client's calls unless it sets NoCoordination.
	NoCoordination bool
}

// copy returns o with its slices copied, so that later changes by the
// caller do not reach a registered loop.
func (o Options) copy() Options {
	o.Policies = append([]Policy(nil), o.Policies...)
	o.Rules = append([]conflict.Rule(nil), o.Rules...)
	return o
}
