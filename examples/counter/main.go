// Command counter keeps a counter in one S3 object that many workers
// increment at once, and loses no increment.
//
//	go run ./examples/counter
//
// The story, top to bottom:
//
//  1. The obvious way — GetObject, add one, PutObject — run by several
//     workers at once loses increments: two workers read 41, both write 42.
//  2. retry.Updater does the same read-modify-write with conditional writes:
//     it writes with If-Match on the ETag it read (If-None-Match "*" while
//     the object does not exist yet). A worker that lost the race is answered
//     412 PreconditionFailed; the Updater reads again and applies the
//     increment to the new value. Writes that overlap a conditional write
//     still in flight are answered 409 ConditionalRequestConflict, as S3
//     does; those are sent again as they are. The final value is exactly the
//     number of increments.
//
// Each worker has its own client and Updater, as if it ran in its own
// process. Workers of one process should share one Updater instead: it
// queues their updates of one key and commits them in one write.
//
// By default the story runs against an in-process S3 server whose model of
// S3 makes overlapping conditional writes conflict; with AWS_ENDPOINT_URL_S3
// and credentials in the environment it runs against that endpoint, with
// the same model in front of the client. It creates one bucket and removes
// it at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("counter", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w, settings{workers: 8, increments: 5})
		return err
	})
}
