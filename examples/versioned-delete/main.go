// Command versioned-delete deletes from a versioned bucket the way that
// removes data, avoids the delete that removes nothing, and empties the
// bucket — versions, delete markers, incomplete uploads — before deleting it.
//
//	go run ./examples/versioned-delete
//
// The story, top to bottom:
//
//  1. In a bucket with versioning enabled, a report is written three times:
//     three versions.
//  2. The trap: DeleteObject without a VersionId answers 204 and deletes
//     nothing. It adds a delete marker; the three versions stay (and stay
//     billed), and ListObjectVersions shows them.
//  3. precheck's opt-in UnversionedDelete check refuses that call before
//     it is sent, with precheck.ErrWouldAddDeleteMarker.
//  4. Deleting for real means naming each version (and the delete marker)
//     by its VersionId: afterwards the key has no version left.
//  5. DeleteBucket of a bucket that still holds versions, delete markers or
//     incomplete multipart uploads fails with BucketNotEmpty; precheck
//     (on by default) says so before sending, naming a key it holds.
//  6. With precheck's opt-in EmptyFirst, DeleteBucket first deletes every
//     version and delete marker and aborts every incomplete upload, then
//     deletes the bucket. It destroys data: opt in only where that is the
//     point (a test's cleanup, a tenant's removal).
//
// By default the story runs against an in-process S3 server; with
// AWS_ENDPOINT_URL_S3 and credentials in the environment it runs against
// that endpoint. The test also runs it on versitygw. The bucket is gone at
// the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("versioned-delete", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w)
		return err
	})
}
