package precheck

import (
	"log/slog"
	"time"
)

// Check turns one check on or off. The zero value, Default, means the
// check's documented default.
type Check uint8

// The settings of a check.
const (
	Default Check = iota
	On
	Off
)

func (c Check) on(def bool) bool {
	switch c {
	case On:
		return true
	case Off:
		return false
	}
	return def
}

// DefaultFactTTL is how long a fact that can change (versioning status,
// Object Lock not enabled) is trusted: short, because another client may
// change it; long enough that a burst of deletes costs one read. Object
// Lock enabled can never be turned off and is cached for good.
const DefaultFactTTL = 15 * time.Second

// Options choose the checks. Zero values mean the defaults given with each
// field. Options are copied when applied.
type Options struct {
	// CreateBucket (default on): HeadBucket before CreateBucket, +1
	// request; in us-east-1 without an account ID, a 200 needs ListBuckets
	// to prove the bucket ours, +1 request cold, 0 while the proof is
	// cached. See the package documentation for the outcomes.
	CreateBucket Check
	// BucketName (opt-in): check a CreateBucket name with
	// naming.ValidateBucket and refuse an invalid one before anything is
	// sent. Never applied to calls on existing buckets, whose names may
	// follow older rules. 0 requests.
	BucketName Check
	// DeleteBucket (default on): a one-key listing of versions and delete
	// markers before DeleteBucket. +1 request.
	DeleteBucket Check
	// EmptyFirst (opt-in) deletes every version and delete marker of the
	// bucket (every object, where the store answers ListObjectVersions with
	// 501), in batches of up to 1000, then aborts every incomplete multipart
	// upload (they keep DeleteBucket failing on AWS and are billed; when
	// they cannot be listed or aborted, DeleteBucket is sent and S3
	// decides), before DeleteBucket. It destroys data: never the default.
	// It stops at the first version that Object Lock keeps.
	EmptyFirst bool
	// UnversionedDelete (opt-in): refuse DeleteObject without VersionId on a
	// versioning-enabled bucket, where it would only add a delete marker.
	// +1 request cold (GetBucketVersioning); warm, 0 to proceed and 1 to
	// refuse: a cached "Enabled" is read again before it refuses a call.
	UnversionedDelete Check
	// LockedVersion (default on): before DeleteObject with a VersionId on an
	// Object Lock bucket, read the version's retention and legal hold and
	// refuse to delete a locked version. +1 request cold on any bucket
	// (GetObjectLockConfiguration), then +2 per delete on a lock bucket
	// (GetObjectRetention, GetObjectLegalHold), 0 warm on other buckets.
	LockedVersion Check
	// LockedVersionBatch (opt-in): the same check for each versioned key of
	// DeleteObjects; locked keys are left out of the request and reported
	// in the output's Errors with code "AccessDenied", as S3 reports a
	// locked version, the rest are deleted. Which keys are left out is
	// decided once per call: a retried pass sends the same request. +2
	// requests per versioned key on a lock bucket.
	LockedVersionBatch Check
	// SuspendOnLock (default on): refuse PutBucketVersioning Suspended on an
	// Object Lock bucket (S3 answers InvalidBucketState). +1 request cold;
	// warm, 0 on a bucket without Object Lock and 1 on a lock bucket: a
	// cached fact is read again before it refuses a call.
	SuspendOnLock Check

	// AccountID is the caller's AWS account ID. With it, HeadBucket is sent
	// with ExpectedBucketOwner, and a 200 proves the bucket is ours. Empty:
	// the credentials' account ID when they carry one; without either,
	// ownership needs ListBuckets (s3:ListAllMyBuckets) in us-east-1, or the
	// check answers ErrOwnershipUnproven.
	AccountID string

	// FactTTL is how long changeable bucket facts are cached. 0:
	// DefaultFactTTL; negative: nothing is cached, not even Object Lock.
	FactTTL time.Duration

	// OnEvent, when set, receives every check's outcome and the progress of
	// EmptyFirst.
	OnEvent func(Event)
	// Logger receives the same at Debug level. nil: silent.
	Logger *slog.Logger
	// Now tells the time (retention dates, cache ages). nil: time.Now.
	Now func() time.Time
}

// Event is the outcome of one check.
type Event struct {
	Check     string // "CreateBucket", "DeleteBucket", "EmptyFirst", ...
	Operation string // the operation checked
	Bucket    string
	Key       string
	VersionID string
	// Outcome is "proceed", "refuse", "accept", "unknown" (S3 decides) or
	// "progress". After "refuse" and "accept" the call itself was not sent
	// (attempt 0): Requests are the check's own.
	Outcome  string
	Requests int   // requests the check sent
	Deleted  int   // EmptyFirst: versions and delete markers deleted so far
	Aborted  int   // EmptyFirst: incomplete multipart uploads aborted so far
	Err      error // for "refuse": the error returned
}
