package precheck

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/s3err"
)

var (
	errEmptyFailed = errors.New("emptying the bucket failed")
	errStuck       = errors.New("the listing did not advance")
)

// emptier is one EmptyFirst run: it deletes every version and delete
// marker (every object where versions are not supported) in batches of up
// to 1000, stopping at the first one S3 keeps (Object Lock), then aborts
// every incomplete multipart upload, page by page.
type emptier struct {
	m  *checker
	c  API
	in *s3.DeleteBucketInput
	ev Event
}

// emptyBucket runs EmptyFirst before DeleteBucket.
func (m *checker) emptyBucket(ctx context.Context, in *s3.DeleteBucketInput) error {
	e := &emptier{m: m, c: m.client(), in: in, ev: Event{Check: "EmptyFirst", Operation: "DeleteBucket", Bucket: aws.ToString(in.Bucket)}}
	err := e.versions(ctx)
	if unsupported(err) {
		err = e.objects(ctx)
	}
	if err == nil {
		err = e.uploads(ctx)
	}
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			pe = &Error{Check: "EmptyFirst", Operation: "DeleteBucket", Bucket: e.ev.Bucket, Reason: errors.Join(errEmptyFailed, err)}
		}
		return m.refuse(ctx, e.ev, pe)
	}
	e.ev.Outcome = "proceed"
	m.emit(ctx, e.ev)
	return nil
}

// versions deletes every version and delete marker. An error that says
// versions are unsupported is returned as it is.
func (e *emptier) versions(ctx context.Context) error {
	in := &s3.ListObjectVersionsInput{Bucket: e.in.Bucket, ExpectedBucketOwner: e.in.ExpectedBucketOwner}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.ev.Requests++
		lv, err := e.c.ListObjectVersions(ctx, in)
		if err != nil {
			return err
		}
		ids := make([]types.ObjectIdentifier, 0, len(lv.Versions)+len(lv.DeleteMarkers))
		for _, v := range lv.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, d := range lv.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: d.Key, VersionId: d.VersionId})
		}
		if err := e.delete(ctx, ids); err != nil {
			return err
		}
		if !aws.ToBool(lv.IsTruncated) {
			return nil
		}
		if same(in.KeyMarker, lv.NextKeyMarker) && same(in.VersionIdMarker, lv.NextVersionIdMarker) {
			return errStuck
		}
		in.KeyMarker, in.VersionIdMarker = lv.NextKeyMarker, lv.NextVersionIdMarker
	}
}

// objects deletes every object, for stores without versions.
func (e *emptier) objects(ctx context.Context) error {
	in := &s3.ListObjectsV2Input{Bucket: e.in.Bucket, ExpectedBucketOwner: e.in.ExpectedBucketOwner}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.ev.Requests++
		lo, err := e.c.ListObjectsV2(ctx, in)
		if err != nil {
			return err
		}
		ids := make([]types.ObjectIdentifier, 0, len(lo.Contents))
		for _, o := range lo.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		if err := e.delete(ctx, ids); err != nil {
			return err
		}
		if !aws.ToBool(lo.IsTruncated) || aws.ToString(lo.NextContinuationToken) == "" {
			return nil
		}
		if same(in.ContinuationToken, lo.NextContinuationToken) {
			return errStuck
		}
		in.ContinuationToken = lo.NextContinuationToken
	}
}

// delete deletes ids in batches of up to 1000 and reports progress. A key
// S3 keeps stops the run: an *Error naming it (ErrLocked for AccessDenied,
// as S3 answers for Object Lock), with the BucketNotEmpty answer the
// DeleteBucket would have had.
func (e *emptier) delete(ctx context.Context, ids []types.ObjectIdentifier) error {
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 1000)]
		ids = ids[len(batch):]
		e.ev.Requests++
		out, err := e.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: e.in.Bucket, ExpectedBucketOwner: e.in.ExpectedBucketOwner,
			Delete: &types.Delete{Objects: batch, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		e.ev.Deleted += len(batch) - len(out.Errors)
		if len(out.Errors) > 0 {
			k := out.Errors[0]
			reason := errEmptyFailed
			if aws.ToString(k.Code) == codeAccessDenied {
				reason = ErrLocked
			}
			return &Error{Check: "EmptyFirst", Operation: "DeleteBucket", Bucket: e.ev.Bucket,
				Key: aws.ToString(k.Key), VersionID: aws.ToString(k.VersionId), Reason: reason,
				answer: s3Answer(codeBucketNotEmpty, http.StatusConflict, "precheck: emptying stopped at "+aws.ToString(k.Key)+": "+aws.ToString(k.Code))}
		}
		e.progress(ctx)
	}
	return nil
}

// uploads aborts every incomplete multipart upload; one already gone
// (NoSuchUpload) is fine. It is best effort: when the uploads cannot be
// listed or aborted (no permission, not implemented, a listing that does
// not advance), DeleteBucket is sent and S3 decides. Only the context
// ending stops the call.
func (e *emptier) uploads(ctx context.Context) error {
	in := &s3.ListMultipartUploadsInput{Bucket: e.in.Bucket, ExpectedBucketOwner: e.in.ExpectedBucketOwner}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.ev.Requests++
		lu, err := e.c.ListMultipartUploads(ctx, in)
		if err != nil {
			return ctx.Err()
		}
		for _, u := range lu.Uploads {
			e.ev.Requests++
			_, err := e.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: e.in.Bucket, Key: u.Key, UploadId: u.UploadId,
				ExpectedBucketOwner: e.in.ExpectedBucketOwner})
			if err != nil && s3err.Code(err) != "NoSuchUpload" {
				return ctx.Err()
			}
			e.ev.Aborted++
		}
		if len(lu.Uploads) > 0 {
			e.progress(ctx)
		}
		if !aws.ToBool(lu.IsTruncated) ||
			same(in.KeyMarker, lu.NextKeyMarker) && same(in.UploadIdMarker, lu.NextUploadIdMarker) {
			return nil
		}
		in.KeyMarker, in.UploadIdMarker = lu.NextKeyMarker, lu.NextUploadIdMarker
	}
}

// same reports whether a listing's next marker is the one it was asked
// with: it did not advance, and asking again would loop for ever.
func same(asked, next *string) bool { return aws.ToString(asked) == aws.ToString(next) }

func (e *emptier) progress(ctx context.Context) {
	pe := e.ev
	pe.Outcome = "progress"
	e.m.emit(ctx, pe)
}
