package baseline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/smithy-go"

	"github.com/s3conflict/s3conflict/internal/ctxwait"
)

// Terraform is the schedule terraform-provider-aws uses around S3 calls
// that may answer OperationAborted (tfresource.RetryWhenAWSErrCodeEquals,
// whose delay is compatible with the Plugin SDK v2's helper/retry): the
// first call at once, then delays that start at 100 ms and double, each
// clamped to at least 500 ms and at most 10 s and the clamped value doubled
// next — 0.5, 1, 2, 4, 8, 10, 10 … s, no jitter — until Timeout has passed,
// with one more call allowed after it (the provider's grace period). Only
// the error code OperationAborted is retried.
//
// The provider also adds OperationAborted to its S3 client's SDK retryer;
// this baseline leaves that out so that the schedule is seen alone.
type Terraform struct {
	// Timeout bounds the retrying; 0: 2 minutes.
	Timeout time.Duration
	// Sleep waits for d or until ctx ends. nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time. nil: time.Now.
	Now func() time.Time
}

// Strategy returns the schedule as a Strategy.
func (t Terraform) Strategy() Strategy { return Strategy{Name: "terraform", Do: t.Do} }

// Delay returns the wait before call n (0 for the first), given the delay
// before call n-1: the schedule without its clock.
func (Terraform) Delay(n int, prev time.Duration) time.Duration {
	if n == 0 {
		return 0
	}
	d := prev
	if d == 0 {
		d = 100 * time.Millisecond
	}
	d *= 2
	return min(max(d, 500*time.Millisecond), 10*time.Second)
}

// Do runs call under the schedule.
func (t Terraform) Do(ctx context.Context, call func(context.Context) error) error {
	timeout, wait, now := t.Timeout, t.Sleep, t.Now
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	if wait == nil {
		wait = ctxwait.Sleep
	}
	if now == nil {
		now = time.Now
	}
	deadline := now().Add(timeout)
	grace := true
	var err error
	var d time.Duration
	for n := 0; ; n++ {
		if n > 0 && !now().Before(deadline) {
			if !grace {
				return fmt.Errorf("timeout after %v: %w", timeout, err)
			}
			grace = false
		}
		d = t.Delay(n, d)
		if werr := wait(ctx, d); werr != nil {
			return errors.Join(werr, err)
		}
		var ae smithy.APIError
		if err = call(ctx); err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "OperationAborted" {
			return err
		}
	}
}
