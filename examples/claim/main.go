// Command claim hands out jobs to workers exactly once, with nothing but
// S3: a worker owns a job when it creates the job's claim object first.
//
//	go run ./examples/claim
//
// The story, top to bottom:
//
//  1. Several workers, each with its own client as if in its own process,
//     walk the same list of jobs (each in its own order) and try to claim
//     every one with its retry.Updater's Claim (retry.Claim for a one-off):
//     a PutObject of the claim key, whose content is the worker's name,
//     with If-None-Match "*" — it is written only if no claim exists yet.
//  2. Exactly one claim of each job succeeds; that worker does the job.
//     Every other worker gets a *retry.ClaimLost naming the winner
//     (errors.Is(err, conflict.PreconditionFailed) holds), and moves on.
//  3. Some answers are lost on the way back (an injected fault; the first
//     claim's always): the SDK sends the claim again and S3 answers 412 —
//     to the worker's own first write. A content comparison could not tell that from a lost race;
//     the unique token each write carries in its metadata can, so the claim
//     is reported won, never lost and never done twice.
//  4. retry.Owner reads who owns a job afterwards.
//
// By default the story runs against an in-process S3 server whose model of
// S3 also makes overlapping conditional writes conflict (409
// ConditionalRequestConflict, sent again); with AWS_ENDPOINT_URL_S3 and
// credentials in the environment it runs against that endpoint, with the
// same model and faults in front of the client. It creates one bucket and
// removes it at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("claim", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e, w, settings{workers: 6, jobs: 5, lose: 0.2})
		return err
	})
}
