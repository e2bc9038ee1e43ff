// Command recreate-after-delete deletes a bucket and creates it again under
// the same name, through the OperationAborted that S3 answers while the
// name is being released, with a policy chosen for that one operation.
//
//	go run ./examples/recreate-after-delete
//
// The story, top to bottom:
//
//  1. A bucket is created, then deleted — an environment torn down and
//     set up again, a tenant re-provisioned.
//  2. Right after DeleteBucket, S3 answers CreateBucket of the same name
//     with 409 OperationAborted until the name is released: seconds, and
//     on AWS sometimes minutes. retry.OnConflict's defaults cap a call at
//     45 s and 20 requests, right for the usual configuration race but not
//     for this, so the caller chooses, with a retry.Policy for CreateBucket
//     and OperationAborted only. A request handler that cannot wait stops
//     at once (Action: retry.Stop) and tells its caller to come back: the
//     error is a *conflict.Error of kind Transient, code OperationAborted.
//  3. A provisioning job waits as long as it takes (MaxElapsed 10 minutes;
//     MaxAttempts 100, since the default backoff grows to one request per
//     10 s) and succeeds as soon as the name is free.
//  4. The bucket exists again under its name.
//
// By default the story runs against an in-process S3 server whose model of
// S3 refuses CreateBucket of a deleted name for 3 s; with AWS_ENDPOINT_URL_S3
// and credentials in the environment it runs against that endpoint, the
// same model in front of the client (and the endpoint's own release time
// on top). It removes the bucket at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("recreate-after-delete", false, 15*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w, 0)
		return err
	})
}
