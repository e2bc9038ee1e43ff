package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// outcome is what the story found.
type outcome struct {
	AfterPlainDelete versions // the key after DeleteObject without VersionId
	RefusedErr       error    // the same delete with UnversionedDelete on
	AfterProper      versions // the key after deleting each version
	NotEmptyErr      error    // DeleteBucket of the full bucket
	DeleteBucketSent int      // its requests that reached S3
	Emptied          precheck.Event
	Gone             bool // the bucket is gone at the end
}

// versions counts what ListObjectVersions shows.
type versions struct{ Versions, Markers int }

const key = "reports/2026-11.csv"

func story(ctx context.Context, e *exampleenv.Env, w io.Writer) (outcome, error) {
	var out outcome
	bucket, err := naming.Bucket("reports")
	if err != nil {
		return out, err
	}
	client := e.Client(retry.OnConflict(), precheck.Enable())
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	defer func() {
		if !out.Gone {
			_ = e.Remove(bucket)
		}
	}()
	fmt.Fprintf(w, "versioned-delete against %s\n\n", e.Name)

	// 1. Versioning on, three versions of one report.
	_, err = client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		return out, err
	}
	for i := range 3 {
		if err := put(ctx, client, bucket, key, fmt.Sprintf("month,total\n2026-11,%d\n", 100+i)); err != nil {
			return out, err
		}
	}
	v, err := list(ctx, client, bucket, key)
	fmt.Fprintf(w, "1. s3://%s/%s written 3 times: %d versions\n", bucket, key, v.Versions)
	if err != nil {
		return out, err
	}

	// 2. The trap: no VersionId, 204, nothing deleted.
	_, err = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)})
	if err != nil {
		return out, err
	}
	if out.AfterPlainDelete, err = list(ctx, client, bucket, key); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "2. DeleteObject without VersionId: success, yet %d versions are still there, and %d delete marker\n",
		out.AfterPlainDelete.Versions, out.AfterPlainDelete.Markers)

	// 3. precheck refuses it before sending, when asked to.
	guarded := e.Client(precheck.Enable(func(o *precheck.Options) { o.UnversionedDelete = precheck.On }))
	_, out.RefusedErr = guarded.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)})
	if !errors.Is(out.RefusedErr, precheck.ErrWouldAddDeleteMarker) {
		return out, fmt.Errorf("the guarded delete: %v, want ErrWouldAddDeleteMarker", out.RefusedErr)
	}
	fmt.Fprintf(w, "3. the same with precheck UnversionedDelete on: not sent:\n   %v\n", out.RefusedErr)

	// 4. Delete every version and the marker, each by its VersionId.
	listed, err := client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: aws.String(key)})
	if err != nil {
		return out, err
	}
	var ids []*string
	for _, v := range listed.Versions {
		ids = append(ids, v.VersionId)
	}
	for _, m := range listed.DeleteMarkers {
		ids = append(ids, m.VersionId)
	}
	for _, id := range ids {
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key), VersionId: id}); err != nil {
			return out, err
		}
	}
	if out.AfterProper, err = list(ctx, client, bucket, key); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "4. DeleteObject with each of the %d VersionIds: versions left %d, delete markers left %d\n",
		len(ids), out.AfterProper.Versions, out.AfterProper.Markers)

	// 5. A bucket with versions, a delete marker and an incomplete upload
	// is not empty: precheck refuses DeleteBucket before sending.
	for i := range 2 {
		if err := put(ctx, client, bucket, "logs/app.log", strings.Repeat("line\n", i+1)); err != nil {
			return out, err
		}
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("logs/app.log")}); err != nil {
		return out, err
	}
	if _, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("backups/half.dump")}); err != nil {
		return out, err
	}
	mark := e.Mark()
	_, out.NotEmptyErr = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	for _, r := range e.Since(mark) {
		if r.Operation == "DeleteBucket" {
			out.DeleteBucketSent++
		}
	}
	var ce *conflict.Error
	if !errors.As(out.NotEmptyErr, &ce) || ce.Kind != conflict.NotEmpty {
		return out, fmt.Errorf("DeleteBucket of a full bucket: %v, want NotEmpty", out.NotEmptyErr)
	}
	fmt.Fprintf(w, "5. DeleteBucket with 2 versions, 1 delete marker and 1 incomplete upload inside: DeleteBucket requests sent: %d\n   %v\n",
		out.DeleteBucketSent, out.NotEmptyErr)

	// 6. EmptyFirst: everything deleted, then the bucket.
	emptying := e.Client(precheck.Enable(func(o *precheck.Options) {
		o.EmptyFirst = true
		o.OnEvent = func(ev precheck.Event) {
			if ev.Check == "EmptyFirst" && ev.Outcome != "progress" {
				out.Emptied = ev
			}
		}
	}))
	if _, err := emptying.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	var nf *types.NotFound
	out.Gone = errors.As(err, &nf)
	fmt.Fprintf(w, "6. DeleteBucket with precheck EmptyFirst: %d versions and delete markers deleted, %d upload aborted; the bucket is gone: %v\n",
		out.Emptied.Deleted, out.Emptied.Aborted, out.Gone)
	return out, nil
}

func put(ctx context.Context, c *s3.Client, bucket, key, body string) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)})
	return err
}

func list(ctx context.Context, c *s3.Client, bucket, key string) (versions, error) {
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &key})
	if err != nil {
		return versions{}, err
	}
	return versions{len(out.Versions), len(out.DeleteMarkers)}, nil
}
