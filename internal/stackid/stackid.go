// Package stackid holds the middleware IDs and context markers that the
// retry and precheck packages share, so that each can find the other on a
// stack without importing it.
package stackid

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The IDs of this module's middlewares on the SDK stack.
const (
	Retry    = "s3conflict.Retry"
	Precheck = "s3conflict.Precheck"
)

type internalCallKey struct{}

// WithInternalCall marks ctx as belonging to a request that this module
// sends on its own (a precheck's HeadBucket, say): our middlewares let such
// requests through untouched.
func WithInternalCall(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalCallKey{}, true)
}

// IsInternalCall reports whether ctx was marked by WithInternalCall.
func IsInternalCall(ctx context.Context) bool {
	v, _ := ctx.Value(internalCallKey{}).(bool)
	return v
}

// Inner returns a function that builds an S3 client from *o as it is when
// the function is called. An option function sees the client's options
// half-built: keep the pointer and build the inner client at first use,
// when the SDK has finished them. Requests of the inner client must carry a
// context marked with WithInternalCall.
func Inner(o *s3.Options) func() *s3.Client {
	return func() *s3.Client { return s3.New(*o) }
}
