// Command object-lock tries to delete versions that Object Lock protects,
// and gets a clear error naming the retention mode and date (or the legal
// hold) before anything is sent.
//
//	go run ./examples/object-lock
//
// The story, top to bottom:
//
//  1. A bucket with Object Lock holds a contract under GOVERNANCE retention
//     for a day, and evidence under a legal hold.
//  2. Without prechecks, deleting the contract's version is answered 403
//     AccessDenied — the same answer as a missing permission, with neither
//     the mode nor the date.
//  3. With precheck.Enable() (its LockedVersion check is on by default),
//     the delete is not sent: the error is a *precheck.Error with Reason
//     precheck.ErrLocked, the Mode and RetainUntil date, or LegalHold. It
//     still carries S3's own answer (AccessDenied, 403) for code that
//     reads smithy.APIError.
//  4. A GOVERNANCE retention may be bypassed by whoever holds
//     s3:BypassGovernanceRetention: with BypassGovernanceRetention the check
//     lets the delete go, and so does S3. That is also how the story cleans
//     up, after lifting the legal hold.
//
// This story runs against versitygw, a real S3 server, started on 127.0.0.1
// (built once into the user cache directory the first time, about a minute
// and a half) — or against the endpoint AWS_ENDPOINT_URL_S3 names, with
// credentials from the environment. On versitygw the story runs as its
// administrator, who holds s3:BypassGovernanceRetention; elsewhere the
// credentials need it for step 4 and the cleanup. It removes what it
// created.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("object-lock", true, 5*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		_, err := story(ctx, e.Admin(), w)
		return err
	})
}
