package s3test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// QuickSDKRetries is a client option: the SDK's own retryer resends a lost
// answer after a millisecond instead of up to a second, and never runs out
// of retry quota, so that tests injecting many lost answers stay fast.
func QuickSDKRetries(o *s3.Options) {
	o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
		so.Backoff = awsretry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		so.RateLimiter = ratelimit.None
	})
}
