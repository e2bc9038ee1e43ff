// Package stackid holds what the retry and precheck middlewares share: their
// IDs on the SDK stack, so that each can find the other without importing
// it, their registration step, and the client for their own requests.
package stackid

import (
	"reflect"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// The IDs of this module's middlewares on the SDK stack.
const (
	Retry    = "s3conflict.Retry"
	Precheck = "s3conflict.Precheck"
)

// Inner is the client of one registration (one OnConflict or Enable
// applied to a client) for the requests this module sends on its own (a
// precheck's HeadBucket, the reads that prove a conditional write): the
// client's configuration without this module's middlewares, so those
// requests are neither checked nor retried by us and never recurse.
//
// It is built once, at the first call of Client: an option function sees
// the client's options half-built, so a registration keeps the pointer and
// builds its client when the SDK has finished them. The inner client
// shares nothing that s3.New mutates with the user's client: it gets its
// own copy of the API options and, unless the user gave one of their own,
// its own S3 Express credentials provider (s3.New points the SDK's default
// provider at the client it builds; sharing it would make the user's
// directory-bucket sessions come from our client, and race).
//
// The zero value is ready to use. Inner is safe for concurrent use and
// must not be copied after first use.
type Inner struct {
	once sync.Once
	c    *s3.Client
}

// Client returns the inner client, built from *o at the first call; later
// calls return the same client whatever o.
func (i *Inner) Client(o *s3.Options) *s3.Client {
	i.once.Do(func() {
		cp := o.Copy() // APIOptions copied: appending to them touches nothing of the user's
		if isDefaultExpress(cp.ExpressCredentials) {
			cp.ExpressCredentials = nil // s3.New makes a fresh one for the inner client
		}
		i.c = s3.New(cp, withoutOurs)
	})
	return i.c
}

// defaultExpressType is the type of the SDK's own (unexported) S3 Express
// credentials provider, read from a client built without options.
var defaultExpressType = sync.OnceValue(func() reflect.Type {
	return reflect.TypeOf(s3.New(s3.Options{}).Options().ExpressCredentials)
})

// isDefaultExpress reports whether p is the SDK's default S3 Express
// provider, which s3.New rewires to the client it builds. A user's own
// provider is kept: s3.New leaves it alone.
func isDefaultExpress(p s3.ExpressCredentialsProvider) bool {
	return p != nil && reflect.TypeOf(p) == defaultExpressType()
}

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
