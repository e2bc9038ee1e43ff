package retry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// The drop-in: one option on the client. Here an S3 stand-in answers
// OperationAborted twice before accepting the tagging write.
func ExampleOnConflict() {
	stub := s3stub.New(s3stub.Error(409, "OperationAborted"), s3stub.Error(409, "OperationAborted"), s3stub.OK)
	client := stub.Client(retry.OnConflict(func(o *retry.Options) {
		o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} } // no waiting in an example
	}))

	out, err := client.PutBucketTagging(context.Background(), tagging("logs"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := retry.ResultOf(out.ResultMetadata)
	fmt.Println("tagged after", res.Attempts, "requests")
	// Output: tagged after 3 requests
}

// A name that belongs to someone else stops at once with a typed error.
func ExampleOnConflict_nameTaken() {
	client := s3stub.New(s3stub.Error(409, "BucketAlreadyExists")).Client(retry.OnConflict())
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("invoices")})

	var ce *conflict.Error
	if errors.As(err, &ce) {
		fmt.Println(errors.Is(err, conflict.NameTaken), ce.Code, ce.Attempts)
	}
	// Output: true BucketAlreadyExists 1
}

// Policies change a decision for one operation and code: here
// OperationAborted on CreateBucket right after a DeleteBucket of the same
// name (a name release that can take minutes) stops at once instead of
// being retried.
func ExampleOptions_policies() {
	client := s3stub.New(s3stub.Error(409, "OperationAborted")).Client(retry.OnConflict(func(o *retry.Options) {
		o.Policies = []retry.Policy{{Kind: conflict.Transient, Operation: "CreateBucket", Code: "OperationAborted", Action: retry.Stop}}
	}))
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("reused")})
	fmt.Println(err)
	// Output: operation error S3: CreateBucket, create bucket reused: transient (OperationAborted, 409)
}

// Do repeats a whole sequence of calls while it ends in a conflict.
func ExampleDo() {
	stub := s3stub.New(s3stub.Error(409, "OperationAborted"), s3stub.OK, s3stub.OK, s3stub.OK)
	client := stub.Client()
	ctx := context.Background()
	err := retry.Do(ctx, func(ctx context.Context) error {
		// read-modify-write of a bucket's tags, as one unit
		if _, err := client.PutBucketTagging(ctx, tagging("logs")); err != nil {
			return err
		}
		_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("logs"), Key: aws.String("marker"),
			Body: strings.NewReader("tagged")})
		return err
	}, func(o *retry.Options) { o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} } })
	fmt.Println(err, stub.Count())
	// Output: <nil> 3
}
