package retry

import "errors"

// Reasons the loop stopped short of its kind's own decision. A
// *conflict.Error returned for one of these has it in its Reason field, and
// errors.Is(err, retry.ErrX) holds.
var (
	// ErrBodyNotRewindable: the request body cannot seek, so it was sent
	// once and is not sent again; a resend would upload an empty object.
	// Give a seekable body (bytes.Reader, *os.File) to get retries.
	ErrBodyNotRewindable = errors.New("request body cannot be rewound, not resent")
	// ErrMaxAttempts: the attempt cap was reached.
	ErrMaxAttempts = errors.New("attempt cap reached")
	// ErrMaxElapsed: the next wait would end past the time cap.
	ErrMaxElapsed = errors.New("time cap reached")
	// ErrBudgetExhausted: the retry budget refused the retry; the storm is
	// larger than the budget lets this client add to.
	ErrBudgetExhausted = errors.New("retry budget exhausted")
	// ErrNoOutput: Accept was chosen for an operation whose output this
	// package cannot make (only CreateBucket and RestoreObject have one).
	ErrNoOutput = errors.New("cannot accept: no empty output for this operation")
	// ErrRename: the Rename function failed or gave the same name.
	ErrRename = errors.New("rename failed")
)

// ErrBackoffStopped: the backoff returned backoff.Stop.
var ErrBackoffStopped = errors.New("backoff gave up")

// ErrAmbiguousWrite: a conditional write (PutObject, CopyObject,
// CompleteMultipartUpload) was answered 412 — or, with If-Match, 404
// NoSuchKey (the key was deleted) — after an earlier send of the call
// (a pass of the loop or of Do, or a resend of the SDK) got no answer or
// a 5xx, so that it may have landed (a send answered 409 or 412 was
// refused and does not count) — and nothing proves whether it was: no
// token could be carried (Options.NoWriteToken, a CopyObject with
// MetadataDirective COPY, metadata too close to S3's 2 KB limit) or
// neither the current object nor the key's versions carry it (for
// CompleteMultipartUpload: the multipart ETag of the call's parts). The
// write may or may not have happened; never read it as a lost race. The
// error is a *conflict.Error of kind PreconditionFailed that wraps S3's
// answer (errors.As to smithy.APIError gives PreconditionFailed or
// NoSuchKey).
var ErrAmbiguousWrite = errors.New("conditional write is ambiguous: an earlier send may have landed")
