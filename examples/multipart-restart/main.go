// Command multipart-restart uploads an object in parts when the completion
// meets ConditionalRequestConflict, and leaves no upload open.
//
//	go run ./examples/multipart-restart
//
// The story, top to bottom:
//
//  1. A multipart upload whose CompleteMultipartUpload carries a condition
//     (If-None-Match "*": only if the key does not exist yet) can be answered
//     409 ConditionalRequestConflict when another conditional write to the
//     key raced it. Sending the completion again cannot help: S3 has
//     dropped the upload's state, and the whole upload must start over.
//     With retry.OnConflict on the client, the plain SDK calls stop with a
//     *conflict.Error of kind RestartUpload whose UploadID names the dead
//     upload — which stays open, its parts billed, until someone aborts it.
//  2. retry.UploadMultipart does the restart: it aborts the dead upload,
//     starts a new one and uploads every part again from the body (an
//     io.ReaderAt, read again from the start), then completes. The object
//     holds exactly the bytes given, and no upload is left open.
//
// The conflict is injected (a fault that answers the first completion of
// each step) so that it happens every time. By default the story runs
// against an in-process S3 server; with AWS_ENDPOINT_URL_S3 and credentials
// in the environment it runs against that endpoint, the fault in front of
// the client. It creates one bucket and removes it at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("multipart-restart", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w)
		return err
	})
}
