package baseline

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// SDKRetryer is the SDK's standard retryer with OperationAborted added by
// awsretry.AddWithErrorCodes, as its documentation suggests: the SDK's
// defaults otherwise (attempts, jittered backoff up to 20 s) and its one
// retry quota per client, a token bucket of 500 that every retry draws from
// (5 tokens at our floor, aws-sdk-go-v2 v1.39.4; 14 in v1.48.0) and that
// only successes refill (reference/s3-conflicts.md, trap 6).
// maxAttempts 0 keeps the SDK's default (3).
func SDKRetryer(maxAttempts int) Strategy {
	quota := ratelimit.NewTokenRateLimit(awsretry.DefaultRetryRateTokens)
	name := "sdk"
	if maxAttempts > 0 {
		name = "sdk-" + strconv.Itoa(maxAttempts)
	}
	return Strategy{
		Name: name,
		ClientOptions: []func(*s3.Options){func(o *s3.Options) {
			r := awsretry.AddWithErrorCodes(awsretry.NewStandard(func(so *awsretry.StandardOptions) {
				so.RateLimiter = quota
			}), "OperationAborted")
			if maxAttempts > 0 {
				r = awsretry.AddWithMaxAttempts(r, maxAttempts)
			}
			o.Retryer = r
		}},
		QuotaLeft: func() int { return int(quota.Remaining()) },
	}
}
