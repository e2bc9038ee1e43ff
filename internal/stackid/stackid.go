// Package stackid holds what the retry and precheck middlewares share: their
// IDs on the SDK stack, so that each can find the other without importing
// it, their registration step, and the client for their own requests.
package stackid

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// The IDs of this module's middlewares on the SDK stack.
const (
	Retry    = "s3conflict.Retry"
	Precheck = "s3conflict.Precheck"
)

// Inner builds an S3 client from *o as it is now, for the requests this
// module sends on its own (a precheck's HeadBucket, the reads that prove a
// conditional write): the client's configuration without this module's
// middlewares, so those requests are neither checked nor retried by us and
// never recurse. An option function sees the client's options half-built:
// keep the pointer and call Inner at first use, when the SDK has finished
// them.
func Inner(o *s3.Options) *s3.Client { return s3.New(*o, withoutOurs) }

// withoutOurs removes this module's middlewares from every stack of a
// client; as the last API option it runs after their registration.
func withoutOurs(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		for _, id := range [...]string{Retry, Precheck} {
			if _, ok := stack.Initialize.Get(id); ok {
				if _, err := stack.Initialize.Remove(id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Unregister prepares a stack for registering the middleware id: it removes
// an earlier registration of id (a later option replaces an earlier one, so
// middlewares never nest), and reports presign when the stack belongs to a
// presign client, where nothing is sent and nothing should be added.
func Unregister(stack *middleware.Stack, id string) (presign bool, err error) {
	if _, ok := stack.Finalize.Get("PresignHTTPRequest"); ok {
		return true, nil
	}
	if _, ok := stack.Initialize.Get(id); ok { // Get first: Remove of a missing id allocates an error
		_, err = stack.Initialize.Remove(id)
	}
	return false, err
}
