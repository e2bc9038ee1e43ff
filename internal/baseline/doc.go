// Package baseline implements, faithfully and in our own code, what a
// program would use instead of s3conflict to live with S3 conflicts, so that
// benchmarks and tests can put the library beside them on the same fault
// schedule in the same run: no handling at all, the SDK's standard retryer
// told to retry OperationAborted, the hand-written loop, and Terraform's
// schedule.
//
// Time is injectable: the loops take a Sleep (and Terraform a Now), and the
// defaults use timers, so a storm runs under testing/synctest's virtual time.
package baseline

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Strategy is one way of calling S3 when a conflict may come back: options
// for the client and, for a loop written around each call, the loop. A
// Strategy holds per-client state (the SDK's retry quota): make a new one
// for every client. Its functions are safe for concurrent use.
type Strategy struct {
	Name string
	// ClientOptions are applied to the client every caller shares.
	ClientOptions []func(*s3.Options)
	// Do runs call under the strategy; nil: call once.
	Do func(ctx context.Context, call func(context.Context) error) error
	// QuotaLeft returns the tokens left in the SDK retryer's retry quota;
	// nil when the strategy does not change the SDK's retryer.
	QuotaLeft func() int
}

// Run calls call under s.
func (s Strategy) Run(ctx context.Context, call func(context.Context) error) error {
	if s.Do == nil {
		return call(ctx)
	}
	return s.Do(ctx, call)
}
