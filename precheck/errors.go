package precheck

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The refusals of prechecks that are not S3 conflicts. A refusal is an
// *Error whose Reason is one of these, so errors.Is(err, precheck.ErrLocked)
// works. Refusals that are conflicts (a bucket not empty, an invalid state,
// a bucket already owned) are *conflict.Error values with the matching
// Kind, as S3's own answer would have been. Either kind carries the code
// and status S3 would have answered with, where there is one (see the
// package documentation).
var (
	// ErrLocked: the version is under Object Lock retention or legal hold;
	// the delete was not sent.
	ErrLocked = errors.New("version is locked")
	// ErrWouldAddDeleteMarker: DeleteObject without VersionId on a
	// versioning-enabled bucket removes nothing; it adds a delete marker.
	ErrWouldAddDeleteMarker = errors.New("would only add a delete marker: the bucket is versioned and no VersionId was given")
	// ErrMismatch: the bucket already exists and is ours, but not as the
	// request asked (another region, no Object Lock).
	ErrMismatch = errors.New("bucket exists but differs from the request")
	// ErrOwnershipUnproven: CreateBucket was not sent because the bucket
	// exists and we may access it (HeadBucket 200), but nothing proved it
	// ours: a 200 proves access, not ownership, and sending CreateBucket
	// could re-create our own bucket (in us-east-1 that answers 200 and
	// resets its ACLs). Prove it by giving Options.AccountID (or
	// credentials that carry an account ID), so that HeadBucket carries
	// ExpectedBucketOwner, or by granting s3:ListAllMyBuckets, so that
	// ListBuckets can show it. Never accepted as success by retry.OnConflict.
	ErrOwnershipUnproven = errors.New("bucket exists and is accessible but ownership is unproven: set precheck Options.AccountID or grant s3:ListAllMyBuckets")
)

// Error is a precheck's refusal: the call was not sent.
type Error struct {
	Check     string // the check that refused
	Operation string
	Bucket    string
	Key       string
	VersionID string
	Reason    error // ErrLocked, ErrWouldAddDeleteMarker or ErrMismatch

	// For ErrLocked: the retention mode and date, or the legal hold.
	Mode        types.ObjectLockRetentionMode
	RetainUntil time.Time
	LegalHold   bool

	// For ErrMismatch: what was asked and what the bucket has.
	Field, Want, Have string

	// answer is the error S3 would have sent (see s3Answer), for refusals
	// that stand for one; nil otherwise.
	answer error
}

// Error returns a short description.
func (e *Error) Error() string {
	where := e.Bucket
	if e.Key != "" {
		where += "/" + e.Key
	}
	if e.VersionID != "" {
		where += " version " + e.VersionID
	}
	msg := fmt.Sprintf("precheck: %s %s: %v", e.Operation, where, e.Reason)
	switch {
	case errors.Is(e.Reason, ErrLocked) && e.LegalHold:
		msg += " (legal hold on)"
	case errors.Is(e.Reason, ErrLocked) && !e.RetainUntil.IsZero():
		msg += fmt.Sprintf(" (%s retention until %s)", e.Mode, e.RetainUntil.UTC().Format(time.RFC3339))
	case errors.Is(e.Reason, ErrMismatch):
		msg += fmt.Sprintf(" (%s: asked %q, bucket has %q)", e.Field, e.Want, e.Have)
	}
	return msg
}

// Unwrap returns the reason and, for a refusal that stands for an answer
// of S3 (ErrLocked: AccessDenied, 403, as S3 answers the delete of a
// locked version), that answer in the SDK's error types, so that
// errors.As to smithy.APIError reads its code and to an interface with
// HTTPStatusCode() its status.
func (e *Error) Unwrap() []error {
	if e.answer != nil {
		return []error{e.Reason, e.answer}
	}
	return []error{e.Reason}
}
