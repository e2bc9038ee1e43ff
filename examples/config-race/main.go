// Command config-race configures one bucket from many goroutines and two
// replicas at once — policy, public access block, tagging, versioning,
// lifecycle — and every setting lands.
//
//	go run ./examples/config-race
//
// The story, top to bottom:
//
//  1. S3 applies the configuration writes of one bucket one at a time, and
//     answers a write that arrives while another is being applied with 409
//     OperationAborted ("a conflicting conditional operation is currently
//     in progress against this resource"). Two replicas of a service start
//     at once, and each sets the bucket up from a goroutine per setting.
//  2. Within one client, retry.OnConflict queues the configuration writes
//     of one bucket in call order instead of racing them into
//     OperationAborted: the log's "waited" records say behind which call
//     and how many were ahead. (Options.NoCoordination turns that off.)
//  3. Between the two replicas nothing can queue: their writes overlap and
//     S3 answers OperationAborted. That is a transient conflict: the write
//     waits (350 ms ± 40% plus 0.28 × the time already waited, shared among
//     the calls queued behind it) and is sent again as it was. The log —
//     slog at Debug, on stdout — shows every decision: each retry with its
//     delay, and the one final record of each call that needed them
//     ("resolved").
//  4. Every write succeeds, and each configuration reads back as written.
//
// By default the story runs against an in-process S3 server whose model of
// S3 applies configuration writes one at a time (200 ms each) and answers
// overlaps with OperationAborted; with AWS_ENDPOINT_URL_S3 and credentials
// in the environment it runs against that endpoint, the same model in front
// of the client. (versitygw answers 501 to public access block and
// lifecycle, so this story is not for it.) It removes the bucket at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("config-race", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w, settings{replicas: 2})
		return err
	})
}
