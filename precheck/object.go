package precheck

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// objectLock says whether bucket has Object Lock enabled, from the cache
// (unless fresh) or one GetObjectLockConfiguration. known is false when S3
// would not say; cached is true when the answer came from the cache.
// requests, when not nil, counts a request sent.
func (m *checker) objectLock(ctx context.Context, bucket string, requests *int, fresh bool) (enabled, known, cached bool) {
	if !fresh {
		if enabled, ok := m.facts.lock(bucket); ok {
			return enabled, true, true
		}
	}
	if requests != nil {
		*requests++
	}
	out, err := m.client().GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: &bucket})
	switch {
	case err == nil:
		enabled = out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled
	case s3err.Code(err) == "ObjectLockConfigurationNotFoundError" || s3err.Status(err) == http.StatusNotFound && s3err.Code(err) != "NoSuchBucket":
		enabled = false
	default:
		m.facts.forgetLock(bucket)
		return false, false, false // no permission, no such bucket, ...: S3 decides
	}
	m.facts.setLock(bucket, enabled)
	return enabled, true, false
}

// toRefuse reads a fact for a check that refuses the call when refuses(v):
// read(false) may answer from the cache (cached true); an answer from the
// cache that would refuse is read again from S3 (read(true)) first — the
// bucket may have been deleted and re-created by someone else — so that a
// cached fact never refuses a call S3 would accept. Answers that let the
// call go on are taken from the cache.
func toRefuse[T any](read func(fresh bool) (v T, known, cached bool), refuses func(T) bool) (v T, known bool) {
	v, known, cached := read(false)
	if cached && known && refuses(v) {
		v, known, _ = read(true)
	}
	return v, known
}

// objectLockToRefuse is objectLock for a check that refuses the call when
// enabled == refuseIf (see toRefuse).
func (m *checker) objectLockToRefuse(ctx context.Context, bucket string, requests *int, refuseIf bool) (enabled, known bool) {
	return toRefuse(func(fresh bool) (bool, bool, bool) { return m.objectLock(ctx, bucket, requests, fresh) },
		func(enabled bool) bool { return enabled == refuseIf })
}

// versioning returns the bucket's versioning status, from the cache
// (unless fresh; kept for the TTL) or one GetBucketVersioning. known is
// false when S3 would not say; cached is true when the answer came from
// the cache.
func (m *checker) versioning(ctx context.Context, bucket string, requests *int, fresh bool) (s types.BucketVersioningStatus, known, cached bool) {
	if !fresh {
		if s, ok := m.facts.versioning(bucket); ok {
			return s, true, true
		}
	}
	*requests++
	out, err := m.client().GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	if err != nil {
		m.facts.forget(bucket, false)
		return "", false, false
	}
	m.facts.setVersioning(bucket, out.Status)
	return out.Status, true, false
}

// deleteObject: with a VersionId on an Object Lock bucket, refuse a locked
// version (default on); without one on a versioning-enabled bucket, refuse
// a delete that would only add a delete marker (opt-in).
func (m *checker) deleteObject(ctx context.Context, in *s3.DeleteObjectInput) error {
	o := &m.opts
	bucket, key := aws.ToString(in.Bucket), aws.ToString(in.Key)
	if in.VersionId == nil {
		if !o.UnversionedDelete.on(false) {
			return nil
		}
		ev := Event{Check: "UnversionedDelete", Operation: "DeleteObject", Bucket: bucket, Key: key}
		status, ok := toRefuse(func(fresh bool) (types.BucketVersioningStatus, bool, bool) {
			return m.versioning(ctx, bucket, &ev.Requests, fresh)
		}, func(s types.BucketVersioningStatus) bool { return s == types.BucketVersioningStatusEnabled })
		if ok && status == types.BucketVersioningStatusEnabled {
			return m.refuse(ctx, ev, &Error{Check: ev.Check, Operation: "DeleteObject", Bucket: bucket, Key: key, Reason: ErrWouldAddDeleteMarker})
		}
		ev.Outcome = "proceed"
		m.emit(ctx, ev)
		return nil
	}
	if !o.LockedVersion.on(true) {
		return nil
	}
	ev := Event{Check: "LockedVersion", Operation: "DeleteObject", Bucket: bucket, Key: key, VersionID: aws.ToString(in.VersionId)}
	if lerr := m.locked(ctx, bucket, key, aws.ToString(in.VersionId), aws.ToBool(in.BypassGovernanceRetention), &ev.Requests); lerr != nil {
		lerr.Operation = "DeleteObject"
		return m.refuse(ctx, ev, lerr)
	}
	ev.Outcome = "proceed"
	m.emit(ctx, ev)
	return nil
}

// locked returns an *Error when the version is kept by Object Lock, nil
// when it is not or when that cannot be read (S3 decides).
func (m *checker) locked(ctx context.Context, bucket, key, versionID string, bypass bool, requests *int) *Error {
	// A cached "enabled" only leads to the version's own reads, which are
	// fresh: a bucket re-created without Object Lock answers them with an
	// error, and S3 decides.
	enabled, known, _ := m.objectLock(ctx, bucket, requests, false)
	if !known || !enabled {
		return nil
	}
	c := m.client()
	*requests++
	hold, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: &bucket, Key: &key, VersionId: &versionID})
	if err == nil && hold.LegalHold != nil && hold.LegalHold.Status == types.ObjectLockLegalHoldStatusOn {
		return &Error{Check: "LockedVersion", Bucket: bucket, Key: key, VersionID: versionID, Reason: ErrLocked, LegalHold: true,
			answer: lockedAnswer()}
	}
	*requests++
	ret, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: &bucket, Key: &key, VersionId: &versionID})
	if err != nil || ret.Retention == nil || ret.Retention.RetainUntilDate == nil {
		return nil
	}
	until := *ret.Retention.RetainUntilDate
	if !until.After(m.opts.Now()) {
		return nil // expired
	}
	mode := ret.Retention.Mode
	if mode == types.ObjectLockRetentionModeGovernance && bypass {
		return nil
	}
	return &Error{Check: "LockedVersion", Bucket: bucket, Key: key, VersionID: versionID, Reason: ErrLocked, Mode: mode, RetainUntil: until,
		answer: lockedAnswer()}
}

// suspendVersioning refuses to suspend versioning on an Object Lock bucket.
func (m *checker) suspendVersioning(ctx context.Context, in *s3.PutBucketVersioningInput) error {
	if in.VersioningConfiguration == nil || in.VersioningConfiguration.Status != types.BucketVersioningStatusSuspended {
		return nil
	}
	bucket := aws.ToString(in.Bucket)
	ev := Event{Check: "SuspendOnLock", Operation: "PutBucketVersioning", Bucket: bucket}
	if enabled, known := m.objectLockToRefuse(ctx, bucket, &ev.Requests, true); known && enabled {
		return m.refuse(ctx, ev, &conflict.Error{Kind: conflict.InvalidState, Code: codeInvalidBucketState,
			StatusCode: http.StatusConflict, Operation: "PutBucketVersioning", Bucket: bucket, Reason: errPrecheckedLock,
			Err: s3Answer(codeInvalidBucketState, http.StatusConflict, errPrecheckedLock.Error())})
	}
	ev.Outcome = "proceed"
	m.emit(ctx, ev)
	return nil
}

var errPrecheckedLock = errors.New("precheck: versioning cannot be suspended on an Object Lock bucket; PutBucketVersioning not sent")
