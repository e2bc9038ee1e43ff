// Command idempotent-create lets two services create the same bucket at
// start-up: the second finds it already exists and is its own, and takes
// that as success without sending CreateBucket again.
//
//	go run ./examples/idempotent-create
//
// The story, top to bottom:
//
//  1. Service "api" starts and creates the bucket: HeadBucket answers 404,
//     CreateBucket 200.
//  2. Service "worker" starts a moment later and creates the same bucket,
//     with its own client. The bucket exists and "worker" may access it
//     (HeadBucket 200) — but access is not ownership: another account can
//     grant it. precheck proves the bucket ours by finding it in our own
//     ListBuckets and the owner GetBucketAcl names (or, with precheck
//     Options.AccountID, by HeadBucket with ExpectedBucketOwner, two
//     requests less), then answers for S3:
//     BucketAlreadyOwnedByYou, which retry.OnConflict takes as success.
//     CreateBucket is not sent again. That matters in us-east-1, where
//     re-creating a bucket you own answers 200 and resets its ACLs.
//  3. Both services go on using the bucket; retry.ResultOf tells "worker"
//     what happened.
//
// A bucket that is not proven ours is never taken for ours: a stranger's
// bucket stops with conflict.NameTaken (see examples/name-taken), and one
// whose ownership cannot be proven stops with precheck.ErrOwnershipUnproven.
//
// By default the story runs against an in-process S3 server; with
// AWS_ENDPOINT_URL_S3 and credentials in the environment it runs against
// that endpoint. The test also runs it on versitygw. It removes the bucket
// at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("idempotent-create", false, time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w)
		return err
	})
}
