// Command name-taken creates a bucket whose name belongs to someone else,
// renames it with the naming package, and uses the final name after.
//
//	go run ./examples/name-taken
//
// The story, top to bottom:
//
//  1. Bucket names are global: another account already owns the name we
//     want. CreateBucket is answered 409 BucketAlreadyExists, and by default
//     retry.OnConflict stops there: errors.Is(err, conflict.NameTaken).
//     Resending would never succeed.
//  2. With Options.Rename = naming.Rename the client picks a fresh, valid
//     name that keeps what identifies the bucket ("invoices-…") and creates
//     that instead. retry.FinalBucket reads the name actually created from
//     the output.
//  3. From then on the final name is the bucket's name: the invoice is
//     stored there, and the stranger's bucket under the original name
//     receives nothing. (On AWS, add ExpectedBucketOwner with your account
//     ID to later calls, so that a mistyped name can never reach a
//     stranger's bucket.)
//
// The in-process S3 server has one account, so the stranger's bucket is
// played by the answers S3 gives for one — HeadBucket 403, CreateBucket 409
// BucketAlreadyExists — injected and marked so; the same happens against
// the endpoint AWS_ENDPOINT_URL_S3 names. The test also runs the story on
// versitygw, where a second account owns the name for real. The story
// removes what it created.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("name-taken", false, time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w)
		return err
	})
}
