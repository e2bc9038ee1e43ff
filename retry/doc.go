// Package retry handles S3 conflict answers for the AWS SDK for Go v2 S3
// client: it resends what is worth resending, accepts what is success in
// disguise and stops with a *conflict.Error on everything else.
//
// One line installs it:
//
//	client := s3.NewFromConfig(cfg, retry.OnConflict())
//
// The SDK's own retryer (aws/retry, usually imported as awsretry) keeps
// handling 5xx and throttling inside every pass; this loop sits in front of
// it and never spends its retry quota.
//
// # Default decisions
//
//	Kind                codes                                     default
//	Transient           OperationAborted, ConditionalRequestConflict
//	                    (PutObject, CopyObject, …)                resend with backoff
//	AlreadyOwned        BucketAlreadyOwnedByYou                   success of CreateBucket
//	InProgress          RestoreAlreadyInProgress                  success of RestoreObject
//	NameTaken           BucketAlreadyExists                       stop (opt-in: Rename)
//	PreconditionFailed  PreconditionFailed, 412                   stop: a lost race is an answer
//	                    … to a conditional write the call sent
//	                    more than once (see TokenMetadataKey)     ours proven: success; else ErrAmbiguousWrite
//	RestartUpload       ConditionalRequestConflict on
//	                    CompleteMultipartUpload                   stop; Error.UploadID names the upload
//	NotEmpty            BucketNotEmpty                            stop
//	InvalidState        InvalidBucketState (409 or 400)           stop
//	Unknown             any other 409                             stop
//
// Every decision can be changed per kind, operation and code with
// [Options.Policies].
//
// # Default numbers, and why
//
//   - Backoff: 350 ms ± 40% plus 0.28 × the time the call has already
//     waited, at most 10 s per delay ([DefaultBackoff], [ProportionalBackoff]):
//     about 0.35, 0.45, 0.6, 0.75 … s, then 1.1, 1.5, 2, 2.6 … A delay that
//     grows with the time already waited keeps the time from a storm's end
//     to success a fixed fraction of the storm while the requests grow only
//     with its logarithm; a fixed cap cannot do both (the previous 1.4 s cap
//     sent 17.9 requests per caller in a 20 s storm). Measured with 50
//     callers that do not coordinate (NoCoordination: as separate clients
//     or processes) in an OperationAborted storm of W seconds
//     (TestStormGoals, virtual time; BENCHMARKS.md): no failure; p99 time
//     from the storm's end to success 0.69 s at W = 1 s, 1.25 s at 3 s,
//     2.62 s at 8 s, 5.75 s at 20 s (goal ≤ 0.3·W + 0.5 s); 13.1 requests
//     per caller at W = 20 s, where Terraform's unjittered 0.5, 1, 2, 4, 8,
//     10 s schedule sends 7 and comes back 5.55 s late (goal ≤ 2 × its
//     requests); never more than 12 of the 50 callers within one 100 ms
//     slice after the first second (goal ≤ 20): no lockstep.
//   - Attempts: at most [DefaultMaxAttempts] = 20 requests per call, the first
//     included: with the default backoff the time cap below ends a call
//     first, after about 15 requests (storms of up to about 38 s pass).
//   - Time: at most [DefaultMaxElapsed] = 45 s from the call's start (its
//     first request, or its wait behind other calls) to the start of its
//     last request; the caps hold whatever the backoff returns.
//   - Budget: one per OnConflict value, [DefaultBudgetRate] = 100 retries per
//     second with a burst of [DefaultBudgetBurst] = 500; a retry that would wait
//     longer than [DefaultBudgetMaxWait] = 10 s for a token is refused with
//     [ErrBudgetExhausted]. 50 callers in a 10 s storm never notice it;
//     5,000 are slowed to 100 retries per second instead of multiplying the
//     load on S3.
//
// Zero values in [Options] mean these defaults; every knob has an explicit
// "off" ([Options.Disabled], MaxAttempts 1, a negative MaxElapsed,
// [Unlimited], [Options.NoCoordination]).
//
// # Coordination
//
// S3 applies the configuration writes of a bucket one at a time and answers
// one that overlaps another with OperationAborted; CreateBucket and
// DeleteBucket of a name are refused the same way while another is in
// progress. Within one client these collisions are self-inflicted, so by
// default the client's calls of those operations (every Put and Delete of a
// bucket sub-resource, PutPublicAccessBlock, PutObjectLockConfiguration,
// CreateBucket, DeleteBucket) queue per bucket, in the order they were
// called; other operations and other buckets never wait. An uncontended
// configuration write pays a mutex and a map lookup (about 50 ns of CPU, no
// allocation; other operations a type switch, under 10 ns: BenchmarkFastPath).
//
// A call keeps its place through its own retries. When it meets
// OperationAborted with k calls waiting behind it, it probes for all of
// them: its delay is its backoff's divided by k+1, never below
// [MinSharedDelay] = 100 ms, and its attempt cap is MaxAttempts × (k+1), so
// the group sends no more than its calls would alone and notices the
// resource free k+1 times sooner. When the call ends the next one goes: a
// freed resource sees one call at a time, not a herd. Each waiting call
// leaves the queue when its context ends, having sent nothing, and the
// others move up; no goroutine is started.
//
// Measured on the conflict model (TestCoordinationGoals, virtual time, 6
// runs; BENCHMARKS.md): 8 goroutines × 5 configuration writes to one bucket
// (200 ms each) land with 1.00 request per write in 8.00 s, the serial
// minimum, in the order called, p99 call 1.6 s (without coordination:
// 2.05–2.20 requests per write, 1.36–1.97 × the minimum, p99 call 10–15 s;
// Terraform's schedule 1.88 and 5.81 ×); 50 callers re-creating a name inside
// a 3 s OperationAborted window send 1.38–1.40 requests each and all succeed
// within 0.04–0.19 s of its end (without coordination 4.88–5.08 and
// 1.0–1.16 s; Terraform's schedule 3.6 and 1.95 s). That is why it is on by
// default: S3 would refuse the overlap anyway, and queuing costs an
// uncontended call nothing it would notice.
//
// What to know: a per-call OnConflict queues with the client's calls (unless
// it sets NoCoordination); calls of different clients or processes do not
// queue with each other; inside [Do] each request queues, but keeps no place
// across Do's own waits; a request that hangs holds its bucket until its
// context ends, so give calls a deadline. A call
// that waited reports it: a [Waited] event (Debug) with the time waited in
// Delay, the call it came behind in [Event.WaitedFor] and the calls ahead in
// [Event.Ahead], and ends with one final record like a call that met a
// conflict (a [Resolved] at Debug, Attempt 1 and Kind None, when its request
// then succeeds); a prober's [Retry] events say in [Event.Behind] how many
// calls wait on it.
//
// # Bodies
//
// A seekable body (bytes.Reader, strings.Reader, *os.File) is rewound to the
// offset it had when the call began before every new pass, so a retried
// upload stores exactly what the caller gave. A body that cannot seek is sent
// once: its conflict is returned with [ErrBodyNotRewindable].
//
// # Registration
//
// Applying OnConflict again replaces the earlier registration, so a per-call
// retry.OnConflict(...) overrides the client's and loops never nest. The
// presign client is left alone, and the CreateSession calls the SDK makes for
// directory buckets pass through.
//
// # What happened
//
// With [Options.Logger] set, every decision is logged once (a retry at
// Debug; accept, rename and a success after retries at Info; a give-up at
// Warn) with call id, operation, bucket, key, code, kind, attempt, delay,
// time waited so far, request id and host id; without a logger nothing is
// logged. [Options.OnEvent] receives the same facts as an [Event]. Every
// call that meets a conflict or waits in line ends with exactly one final
// record: [Resolved]
// ("resolved after N attempts, waited X"), [Accept] or [Stop] (a give-up,
// the context's end included); all records of one call carry the same
// [Event.CallID], made at its first conflict, so that the interleaved
// retries of concurrent calls can be told apart. When the client has the
// SDK's tracing provider configured, each decision is also an event on the
// operation's span; with its meter provider, each is counted as
// [DecisionsMetric] with the properties action, kind, operation and code.
// After a success that needed the loop, [ResultOf] reads the attempts and
// the call id from the output's ResultMetadata.
//
// # Context
//
// A wait ends as soon as the context ends. A wait that would end after the
// context's deadline is not started: the call stops at once with a
// *conflict.Error whose Reason is context.DeadlineExceeded, so that
// errors.Is holds for both the deadline and the conflict's kind.
//
// # Inside Do
//
// [Do] and the client's loop never both resend one request: calls made
// with Do's context are sent once by the client's loop, and Do decides.
//
// # Conditional writes: read-modify-write, claims, multipart restart
//
// [Updater] runs read-modify-write updates with S3's conditional writes,
// for services that coordinate through S3 itself:
//
//	u := retry.NewUpdater(client) // one per client; safe for concurrent use
//	res, err := u.Update(ctx, "stats", "visits", func(cur []byte, exists bool) ([]byte, error) {
//		return next(cur, exists) // ErrNoChange: write nothing
//	})
//
// It reads the object and its ETag (absent is a state), calls the function,
// and writes the result with If-Match (If-None-Match: "*" when absent). A
// 412 means another writer won: it waits ([DefaultContentionBackoff]: 5 ms
// doubling to 100 ms, ±50% while it grows, ±10% at 100 ms), reads again
// and calls the function again, at most [DefaultMaxRounds] = 100 times;
// each wait is a Retry event of kind
// PreconditionFailed (to [Options.OnEvent], and the logger at Debug). After
// two lost races in a row, or one followed by a read that finds the winner
// writing again (two writes or more by one writer since the lost write's
// base, not far apart: it goes on, and a write would break its run; not
// for an update with at most three rounds left), it reads after each
// wait and writes only once a
// read finds at most one other write over the wait, or writes too far
// apart to come from one busy writer; a write made so that loses to
// another waiter's is followed by a short wait and a read, not a whole
// wait (up to four times in a row, the wait doubling). An Updater that has committed to a key for
// [UpdateOptions.YieldAfter] (5 s) without a pause leaves it alone for
// [YieldPause] (200 ms, a [Yielded] event), so that a writer that always
// has more to write does not hold the key until the others give up;
// each Updater whose waiting update reads the mark of that yield
// ([YieldMetadataKey]) takes the key at once and leaves it alone as long
// after its own write, so that every waiting update gets in. Writers that
// take the key from one another pass on how long it has gone without a
// yield ([HeldMetadataKey]), so that it yields every YieldAfter whoever
// holds it. A
// ConditionalRequestConflict is resent as is, as [UpdateOptions.Options]
// say; the client's own OnConflict steps aside for these writes, so one
// loop decides. At most [DefaultMaxSize] = 16 MiB is read into memory
// ([ErrTooLarge] past it); a create refused while no object can be read
// fails with [ErrCreateRefused].
//
// Each update lands exactly once. Every write carries a token
// ([TokenMetadataKey]) and the tokens of the writes before it
// ([LineageMetadataKey], up to 32): when an answer is lost, the re-read
// proves whether our write landed — even after others replaced it — or
// that it did not, and it is never applied twice. When neither can be
// proven (writers that drop the metadata, more than 32 writes in between),
// the update fails with [ErrAmbiguousWrite]. A count of the writes and
// the last one's time ([WritesMetadataKey]) tell an update that waits for
// a busy key whether its writer goes on; they prove nothing. The proofs
// assume the key is not deleted while an answer is being settled, and that content does not
// return to an identical earlier value in those milliseconds (A, B, A): a
// function whose results can repeat, such as a toggle, should keep a
// version number in the content.
// Object metadata and content type are kept across updates.
//
// Updates of one key through one Updater are combined: while a write is
// in flight the next updates queue; one read serves them, their functions
// apply in order, one write commits them all, and each caller is answered
// when the write carrying its change is. A function's error fails its own
// caller only. Updates run in their callers' goroutines; a caller whose
// context ends leaves without stalling the others. After its own write, an
// Updater remembers the content (up to 64 KiB, [DefaultMaxCached] = 64
// keys) and the next update of the key skips the read.
//
// Measured against versitygw on two shared, heavily loaded cores, 16
// writers incrementing one key (BenchmarkContendedUpdate in
// internal/integration, median of 5): through one shared Updater, 0.12
// requests per update and 5.8× its single-writer rate; with one client per
// writer (nothing to combine), 2.0 requests per update and 35% of its
// single-writer rate (52% of the hand-written loop's, since a lone Updater
// needs one request per update, not two). The hand-written loop: 15
// requests per update and 10% when it reads again at once, 11 and 13% with
// full-jitter backoff.
//
// [Claim] is create-if-absent for the exactly-once claim of a job: one
// claimer of a key wins, every other gets a [*ClaimLost] naming the winner
// (errors.Is conflict.PreconditionFailed), and [Owner] reads it later. For
// a plain create-if-absent, PutObject or CopyObject with IfNoneMatch "*"
// through OnConflict does the same: a lost race is
// conflict.PreconditionFailed, never resent.
//
// [UploadMultipart] restarts an upload whose completion meets
// ConditionalRequestConflict (kind RestartUpload) from its rewindable body,
// aborting the dead upload so no parts stay billed; without it,
// conflict.Error.UploadID names the upload to abort.
package retry
