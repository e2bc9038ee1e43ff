package integration

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// Bucket-level operations of a worker: its own bucket's versioning and
// tag, and its life bucket.

func (w *worker) versioning(ctx context.Context, _ string) error {
	st := []types.BucketVersioningStatus{types.BucketVersioningStatusEnabled, types.BucketVersioningStatusSuspended}[w.rng.IntN(2)]
	_, err := w.c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &w.own,
		VersioningConfiguration: &types.VersioningConfiguration{Status: st}})
	written(&w.vers, state{present: true, body: string(st)}, err)
	return err
}

func (w *worker) bucketTagging(ctx context.Context, id string) error {
	if w.rng.IntN(3) == 0 {
		_, err := w.c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: &w.own})
		written(&w.btag, absent, err)
		return err
	}
	_, err := w.c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &w.own,
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("chaos"), Value: aws.String(id)}}}})
	written(&w.btag, state{present: true, body: id}, err)
	return err
}

// The life bucket is created and deleted, and holds at most one object,
// x: its state is present (the bucket exists) and body (x's content, ""
// when none). DeleteBucket must succeed only on an empty bucket and be
// refused (conflict.NotEmpty: a precheck's refusal or S3's BucketNotEmpty)
// only on a non-empty one.

func (w *worker) createBucket(ctx context.Context, id string) error {
	_, err := w.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &w.life})
	w.lifeState.mapped(outcomeOf(err), func(s state) state { s.present = true; return s })
	return err
}

func (w *worker) deleteBucket(ctx context.Context, id string) error {
	_, err := w.c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &w.life})
	p := &w.lifeState
	switch {
	case err == nil:
		if !p.narrow(func(s state) bool { return s.present && s.body == "" }) {
			w.bad(id, "life bucket: DeleteBucket acknowledged, the model allows %v", *p)
		}
		p.set(absent)
	case errors.Is(err, conflict.NotEmpty):
		if !p.narrow(func(s state) bool { return s.present && s.body != "" }) {
			w.bad(id, "life bucket: DeleteBucket refused as not empty (%v), the model allows %v", err, *p)
		}
	default:
		p.mapped(unknown, func(s state) state {
			if s.body == "" {
				return absent
			}
			return s
		})
	}
	return err
}

// lifeObject writes (body b) or deletes (b "") x in the life bucket.
func (w *worker) lifeObject(ctx context.Context, id, b string) error {
	var err error
	if b == "" {
		_, err = w.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &w.life, Key: aws.String("x")})
	} else {
		_, err = w.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &w.life, Key: aws.String("x"), Body: strings.NewReader(b)})
	}
	p := &w.lifeState
	switch {
	case err == nil && !p.narrow(func(s state) bool { return s.present }):
		w.bad(id, "life bucket: a write of x acknowledged, the model allows %v", *p)
	case s3err.Code(err) == "NoSuchBucket":
		if !p.narrow(func(s state) bool { return !s.present }) {
			w.bad(id, "life bucket: NoSuchBucket, the model allows %v", *p)
		}
		return err
	}
	p.mapped(outcomeOf(err), func(s state) state {
		if s.present {
			s.body = b
		}
		return s
	})
	return err
}

func (w *worker) lifePut(ctx context.Context, id string) error {
	return w.lifeObject(ctx, id, w.body(id))
}

func (w *worker) lifeDelete(ctx context.Context, id string) error { return w.lifeObject(ctx, id, "") }

func (w *worker) headBucket(ctx context.Context, id string) error {
	_, err := w.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &w.life})
	seen := err == nil
	if err == nil || s3err.Status(err) == 404 {
		if !w.lifeState.narrow(func(s state) bool { return s.present == seen }) {
			w.bad(id, "life bucket: exists=%v, the model allows %v", seen, w.lifeState)
		}
	}
	return err
}

// createStranger tries to create the stranger's bucket (another account's,
// readable by ours): it must never be reported created or already ours.
func (w *worker) createStranger(ctx context.Context, id string) error {
	_, err := w.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &w.stranger})
	if err == nil || errors.Is(err, conflict.AlreadyOwned) {
		w.bad(id, "the stranger's bucket %s was reported created (%v)", w.stranger, err)
	}
	return err
}
