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

// createBucket: HeadBucket first. Only a 200 with ExpectedBucketOwner
// proves the bucket is ours (then the CreateBucket is not sent); in
// us-east-1, where re-creating answers 200 and resets the bucket's ACLs,
// any 200 stops the call. Every other answer proves nothing and the call
// goes on: S3 decides. A 403 is never read as "taken".
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
	usEast1 := want == "us-east-1" // no location constraint means us-east-1 too
	if account == "" && !usEast1 {
		ev.Outcome = "unknown" // exists and we may access it: not proof of ownership
		m.emit(ctx, ev)
		return nil
	}
	// Ours (or, in us-east-1 without an account ID, accessible and about to
	// be "re-created" with a 200 that resets its ACLs): check what can be
	// checked cheaply, then report it as already owned.
	if have := aws.ToString(head.BucketRegion); have != "" && have != want {
		return m.refuse(ctx, ev, &Error{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket,
			Reason: ErrMismatch, Field: "region", Want: want, Have: have})
	}
	if aws.ToBool(in.ObjectLockEnabledForBucket) {
		ev.Requests++
		enabled, known := m.objectLock(ctx, bucket, nil)
		if known && !enabled {
			return m.refuse(ctx, ev, &Error{Check: "CreateBucket", Operation: "CreateBucket", Bucket: bucket,
				Reason: ErrMismatch, Field: "object lock", Want: "enabled", Have: "disabled"})
		}
	}
	ce := &conflict.Error{Kind: conflict.AlreadyOwned, Operation: "CreateBucket", Bucket: bucket, Attempts: 1,
		Reason: errPrecheckedOwned, StatusCode: http.StatusOK}
	if account == "" {
		ce.Reason = errPrecheckedAccessible
	}
	ev.Outcome, ev.Err = "accept", ce
	m.emit(ctx, ev)
	return ce
}

var (
	errPrecheckedOwned      = errors.New("precheck: HeadBucket with ExpectedBucketOwner answered 200; CreateBucket not sent")
	errPrecheckedAccessible = errors.New("precheck: the bucket exists in us-east-1 and is accessible; CreateBucket not sent (it would answer 200 and reset the bucket's ACLs)")
)

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
	ce := &conflict.Error{Kind: conflict.NotEmpty, Code: conflict.CodeBucketNotEmpty, Operation: "DeleteBucket",
		Bucket: bucket, Key: sample, Attempts: 1, Reason: errPrecheckedNotEmpty}
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
	if s := s3err.Status(err); s != http.StatusNotImplemented && s != http.StatusMethodNotAllowed && s3err.Code(err) != "NotImplemented" {
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

func (m *checker) refuse(ctx context.Context, ev Event, err error) error {
	ev.Outcome, ev.Err = "refuse", err
	m.emit(ctx, ev)
	return err
}
