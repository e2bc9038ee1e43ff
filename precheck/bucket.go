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

// createBucket: HeadBucket first. A 200 is access, not ownership: the
// bucket is taken for ours only on proof — HeadBucket with
// ExpectedBucketOwner (the account ID known), or the bucket in our own
// ListBuckets (us-east-1 without an account ID; the proof is cached for
// the fact TTL). Proven ours: CreateBucket is not sent and the call returns
// AlreadyOwned (or ErrMismatch). Proven not ours: S3 decides (it answers
// BucketAlreadyExists). Unproven in us-east-1, where re-creating our own
// bucket answers 200 and resets its ACLs: ErrOwnershipUnproven, nothing
// sent. Elsewhere S3 tells the two apart itself, so the call goes on. A
// 403 is never read as "taken".
func (m *checker) createBucket(ctx context.Context, in *s3.CreateBucketInput) error {
	bucket := aws.ToString(in.Bucket)
	ev := Event{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket, Requests: 1}
	account := m.accountID(ctx)
	hin := &s3.HeadBucketInput{Bucket: in.Bucket}
	if account != "" {
		hin.ExpectedBucketOwner = &account
	}
	head, err := m.client().HeadBucket(ctx, hin)
	if err != nil {
		ev.Outcome = "unknown"
		if s3err.Status(err) == http.StatusNotFound {
			ev.Outcome = "proceed"
		}
		m.emit(ctx, ev)
		return nil
	}
	want := wantedRegion(in)
	if account == "" {
		if want != "us-east-1" { // no location constraint means us-east-1 too
			ev.Outcome = "unknown" // S3 answers BucketAlreadyOwnedByYou or BucketAlreadyExists
			m.emit(ctx, ev)
			return nil
		}
		switch m.ownedByListing(ctx, bucket, &ev.Requests) {
		case notOurs:
			ev.Outcome = "proceed" // S3 answers BucketAlreadyExists
			m.emit(ctx, ev)
			return nil
		case unproven:
			return m.refuse(ctx, ev, &Error{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket,
				Reason: ErrOwnershipUnproven})
		}
	}
	// Proven ours: check what can be checked cheaply, then report it as
	// already owned.
	if have := aws.ToString(head.BucketRegion); have != "" && have != want {
		return m.refuse(ctx, ev, &Error{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket,
			Reason: ErrMismatch, Field: "region", Want: want, Have: have})
	}
	if aws.ToBool(in.ObjectLockEnabledForBucket) {
		enabled, known := m.objectLockToRefuse(ctx, bucket, &ev.Requests, false)
		if known && !enabled {
			return m.refuse(ctx, ev, &Error{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket,
				Reason: ErrMismatch, Field: "object lock", Want: "enabled", Have: "disabled"})
		}
	}
	ce := &conflict.Error{Kind: conflict.AlreadyOwned, Code: conflict.CodeBucketAlreadyOwnedByYou,
		StatusCode: http.StatusConflict, Operation: "CreateBucket", Bucket: bucket, Reason: errPrecheckedOwned}
	if account == "" {
		ce.Reason = errPrecheckedListed
	}
	// S3's answer outside us-east-1 (there it answers 200 and resets ACLs).
	ce.Err = s3TypedAnswer(http.StatusConflict, &types.BucketAlreadyOwnedByYou{Message: aws.String(ce.Reason.Error())})
	ev.Outcome, ev.Err = "accept", ce
	m.emit(ctx, ev)
	return ce
}

var (
	errPrecheckedOwned  = errors.New("precheck: HeadBucket with ExpectedBucketOwner answered 200; CreateBucket not sent")
	errPrecheckedListed = errors.New("precheck: the bucket is in our own ListBuckets; CreateBucket not sent (in us-east-1 it would answer 200 and reset the bucket's ACLs)")
)

// ownership is what ListBuckets proved about a bucket.
type ownership uint8

const (
	unproven ownership = iota
	ours
	notOurs
)

// ownedByListing looks for bucket in our own buckets: the cached proof, or
// ListBuckets with the name as prefix (one small request; more pages only
// when many of our buckets start with the name).
func (m *checker) ownedByListing(ctx context.Context, bucket string, requests *int) ownership {
	if m.facts.owned(bucket) {
		return ours
	}
	in := &s3.ListBucketsInput{Prefix: &bucket}
	for {
		*requests++
		out, err := m.client().ListBuckets(ctx, in)
		if err != nil {
			return unproven
		}
		for _, b := range out.Buckets {
			if aws.ToString(b.Name) == bucket {
				if !m.ownerAgrees(ctx, bucket, out.Owner, requests) {
					return unproven
				}
				m.facts.setOwned(bucket)
				return ours
			}
		}
		switch next := aws.ToString(out.ContinuationToken); {
		case next == "":
			return notOurs
		case next == aws.ToString(in.ContinuationToken):
			return unproven // a listing that does not advance proves nothing
		}
		in.ContinuationToken = out.ContinuationToken
	}
}

// ownerAgrees checks a listing's word against the bucket's owner: some
// servers list every account's buckets to an administrator (versitygw's
// root), so when the listing names its requester (Owner), GetBucketAcl's
// owner must be the same. It is false only when both are known and
// differ; an ACL that cannot be read leaves the listing's word (AWS lists
// only the caller's own buckets).
func (m *checker) ownerAgrees(ctx context.Context, bucket string, lister *types.Owner, requests *int) bool {
	if lister == nil || aws.ToString(lister.ID) == "" {
		return true
	}
	*requests++
	acl, err := m.inner.Client(m.so).GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: &bucket})
	if err != nil || acl.Owner == nil || aws.ToString(acl.Owner.ID) == "" {
		return true
	}
	return aws.ToString(acl.Owner.ID) == aws.ToString(lister.ID)
}

// wantedRegion is the region a CreateBucket asks for: its location
// constraint, or us-east-1 without one.
func wantedRegion(in *s3.CreateBucketInput) string {
	if c := in.CreateBucketConfiguration; c != nil && c.LocationConstraint != "" {
		if c.LocationConstraint == types.BucketLocationConstraintEu {
			return "eu-west-1"
		}
		return string(c.LocationConstraint)
	}
	return "us-east-1"
}

// deleteBucket: a one-key listing of versions and delete markers (a plain
// listing where versions are not supported) → NotEmpty naming a key.
func (m *checker) deleteBucket(ctx context.Context, in *s3.DeleteBucketInput) error {
	bucket := aws.ToString(in.Bucket)
	ev := Event{Check: "DeleteBucket", Operation: "DeleteBucket", Bucket: bucket, Requests: 1}
	sample, versionID, ok := m.anyObject(ctx, in.Bucket, in.ExpectedBucketOwner, &ev)
	if !ok {
		ev.Outcome = "unknown"
		m.emit(ctx, ev)
		return nil
	}
	if sample == "" && versionID == "" {
		ev.Outcome = "proceed"
		m.emit(ctx, ev)
		return nil
	}
	ce := &conflict.Error{Kind: conflict.NotEmpty, Code: codeBucketNotEmpty, StatusCode: http.StatusConflict,
		Operation: "DeleteBucket", Bucket: bucket, SampleKey: sample, Reason: errPrecheckedNotEmpty,
		Err: s3Answer(codeBucketNotEmpty, http.StatusConflict, errPrecheckedNotEmpty.Error())}
	return m.refuse(ctx, ev, ce)
}

var errPrecheckedNotEmpty = errors.New("precheck: the bucket still holds objects, versions or delete markers; DeleteBucket not sent")

// anyObject lists one version or delete marker of the bucket (one object
// where versions are not supported). ok is false when neither listing
// answered.
func (m *checker) anyObject(ctx context.Context, bucket, owner *string, ev *Event) (key, versionID string, ok bool) {
	c := m.client()
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: bucket, MaxKeys: aws.Int32(1), ExpectedBucketOwner: owner})
	if err == nil {
		for _, v := range lv.Versions {
			return aws.ToString(v.Key), aws.ToString(v.VersionId), true
		}
		for _, d := range lv.DeleteMarkers {
			return aws.ToString(d.Key), aws.ToString(d.VersionId), true
		}
		return "", "", true
	}
	if !unsupported(err) {
		return "", "", false
	}
	ev.Requests++
	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, MaxKeys: aws.Int32(1), ExpectedBucketOwner: owner})
	if err != nil {
		return "", "", false
	}
	for _, o := range lo.Contents {
		return aws.ToString(o.Key), "", true
	}
	return "", "", true
}

// unsupported reports whether err says the server does not implement the
// request (501, 405 or NotImplemented): a store without versions, say.
func unsupported(err error) bool {
	s := s3err.Status(err)
	return s == http.StatusNotImplemented || s == http.StatusMethodNotAllowed || s3err.Code(err) == "NotImplemented"
}

func (m *checker) refuse(ctx context.Context, ev Event, err error) error {
	ev.Outcome, ev.Err = "refuse", err
	m.emit(ctx, ev)
	return err
}
