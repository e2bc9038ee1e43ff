package retry

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// BenchmarkFastPath measures the middleware alone on a call without a
// conflict, against a middleware that only calls next: the whole-call
// benchmarks (BenchmarkPutObject) are dominated by the SDK and vary by
// ±10–20% on shared machines, this one isolates what OnConflict adds.
//
//	go test -run x -bench FastPath -count 10 ./retry | benchstat -col /mw -
func BenchmarkFastPath(b *testing.B) {
	next := nopNext
	empty := middleware.InitializeMiddlewareFunc("empty", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
		middleware.InitializeOutput, middleware.Metadata, error,
	) {
		return next.HandleInitialize(ctx, in)
	})
	ours := newMiddleware(newLoop(nil, true), nil) // as OnConflict() makes it
	body := bytes.NewReader(make([]byte, 1024))
	for _, op := range []struct {
		name   string
		params any
	}{
		{"PutObject", &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: body}},
		{"HeadObject", &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}},
		// a configuration write: it takes its bucket's lane (coord.go), uncontended
		{"PutBucketTagging", &s3.PutBucketTaggingInput{Bucket: aws.String("b")}},
	} {
		ctx := middleware.WithOperationName(context.Background(), op.name)
		in := middleware.InitializeInput{Parameters: op.params}
		for _, mw := range []struct {
			name string
			m    middleware.InitializeMiddleware
		}{{"mw=empty", empty}, {"mw=onconflict", ours}} {
			b.Run(op.name+"/"+mw.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu, n := cpuTime(), 0
				for b.Loop() {
					n++
					if _, _, err := mw.m.HandleInitialize(ctx, in, next); err != nil {
						b.Fatal(err)
					}
				}
				if c := cpuTime() - cpu; c > 0 {
					// the process's CPU time: steadier than sec/op on a shared machine
					b.ReportMetric(float64(c)/float64(n), "cpu-ns/op")
				}
			})
		}
	}
}

// nopNext ends a stack at once, with success and nothing sent.
var nopNext = middleware.InitializeHandlerFunc(func(ctx context.Context, in middleware.InitializeInput) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	return middleware.InitializeOutput{}, middleware.Metadata{}, nil
})
