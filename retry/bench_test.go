package retry_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// The no-conflict path must be free. Each benchmark runs the same call on
// a bare client (the baseline), on one with an empty middleware at the same
// place on the stack (the floor: what the SDK's stack itself charges for one
// more middleware) and on one with OnConflict, in the same run:
//
//	go test -run x -bench 'PutObject|HeadObject' -count 10 ./retry | benchstat -col /client -
var benchClients = []struct {
	name string
	opts []func(*s3.Options)
}{
	{"client=bare", nil},
	{"client=emptymw", []func(*s3.Options){emptyMiddleware}},
	{"client=onconflict", []func(*s3.Options){retry.OnConflict()}},
}

func BenchmarkPutObject(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	for _, bc := range benchClients {
		b.Run(bc.name, func(b *testing.B) {
			c := s3stub.New().Client(bc.opts...)
			ctx := context.Background()
			r := bytes.NewReader(body)
			in := &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: r}
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(body)
				if _, err := c.PutObject(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHeadObject(b *testing.B) {
	for _, bc := range benchClients {
		b.Run(bc.name, func(b *testing.B) {
			c := s3stub.New().Client(bc.opts...)
			ctx := context.Background()
			in := &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.HeadObject(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// emptyMiddleware adds a middleware that does nothing where OnConflict goes:
// the front of the Initialize step.
func emptyMiddleware(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("empty",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}
