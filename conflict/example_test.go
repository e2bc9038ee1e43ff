package conflict_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
)

// Classify reads a raw SDK error: here an S3 stand-in answers CreateBucket
// with 409 BucketAlreadyExists.
func ExampleClassify() {
	client := s3stub.New(s3stub.Error(409, "BucketAlreadyExists")).Client()
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("invoices")})

	switch conflict.Classify(err) {
	case conflict.NameTaken:
		fmt.Println("someone else owns that name: pick another")
	case conflict.AlreadyOwned:
		fmt.Println("it is ours already")
	}
	// Output: someone else owns that name: pick another
}

// A Kind is also a sentinel error, and *conflict.Error carries the details.
func ExampleError() {
	client := s3stub.New(s3stub.Error(409, "BucketNotEmpty")).Client()
	_, err := client.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("logs")})

	ce := conflict.NewError(conflict.Classify(err), "", "logs", "", err)
	fmt.Println(errors.Is(ce, conflict.NotEmpty))
	fmt.Println(ce.Operation, ce.Code, ce.StatusCode)
	// Output:
	// true
	// DeleteBucket BucketNotEmpty 409
}

// User rules come before the built-in table: here a store that answers 409
// "Conflict" to a racing configuration write is told to be retried.
func ExampleNewClassifier() {
	c := conflict.NewClassifier(conflict.Rule{Operation: "PutBucketPolicy", Code: "Conflict", Kind: conflict.Transient})
	client := s3stub.New(s3stub.Error(409, "Conflict")).Client()
	_, err := client.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String("b"), Policy: aws.String("{}")})
	fmt.Println(c.Classify(err), conflict.Classify(err))
	// Output: transient unknown conflict
}

// A NotEmpty error may name a key the bucket still holds in SampleKey (a
// precheck finds one); Key stays the key the request named.
func ExampleError_sampleKey() {
	ce := &conflict.Error{Kind: conflict.NotEmpty, Code: conflict.CodeBucketNotEmpty, StatusCode: 409,
		Operation: "DeleteBucket", Bucket: "logs", SampleKey: "2026/01/app.log"}
	fmt.Println(ce)
	// Output: delete bucket logs: not empty (holds "2026/01/app.log") (BucketNotEmpty, 409)
}
