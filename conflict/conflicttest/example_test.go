package conflicttest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

// In a test, NewServer(t, ...) does the same and stops the server with the
// test. Here the in-process S3 answers the first two versioning writes
// with OperationAborted.
func ExampleStart() {
	srv, err := conflicttest.Start(conflicttest.WithFaults(conflicttest.Fault{
		Operation: "PutBucketVersioning", Code: "OperationAborted", Times: 2}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client := srv.Client()
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")}); err != nil {
		log.Fatal(err)
	}
	for range 3 {
		_, err := client.PutBucketVersioning(ctx, versioning("photos"))
		fmt.Println(conflict.Classify(err))
	}
	for _, r := range srv.Faults.Records() {
		fmt.Println(r.Operation, r.Status, r.Code, r.Injected)
	}
	// Output:
	// transient
	// transient
	// none
	// CreateBucket 200  false
	// PutBucketVersioning 409 OperationAborted true
	// PutBucketVersioning 409 OperationAborted true
	// PutBucketVersioning 200  false
}

// The client-side injector makes any endpoint answer conflicts, AWS
// included, without touching the server or request signing.
func ExampleInjector_Client() {
	srv, err := conflicttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "DeleteBucket", Code: "BucketNotEmpty"})
	client := s3.NewFromConfig(srv.Config, func(o *s3.Options) {
		o.UsePathStyle = true
		o.HTTPClient = inj.Client(o.HTTPClient)
	})
	ctx := context.Background()
	_, _ = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")})
	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("photos")})
	fmt.Println(conflict.Classify(err), srv.Faults.Count("DeleteBucket"))
	// Output: not empty 0
}

// The model makes conflicts arise the way S3 makes them: here, the name of
// a bucket just deleted stays blocked for the window. (With many callers,
// configuration writes to one bucket meet OperationAborted the same way.)
func ExampleWithModel() {
	srv, err := conflicttest.Start(conflicttest.WithModel(conflicttest.Model{RecreateWindow: time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client := srv.Client()
	ctx := context.Background()
	name := aws.String("reports")
	_, _ = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	_, _ = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: name})
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
	fmt.Println(conflict.Classify(err))
	for _, r := range srv.Faults.Records() {
		fmt.Println(r.Operation, r.Status, r.Code, r.Modeled)
	}
	// Output:
	// transient
	// CreateBucket 200  false
	// DeleteBucket 204  false
	// CreateBucket 409 OperationAborted true
}
