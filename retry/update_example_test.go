package retry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// exampleBucket starts an in-process S3 server on 127.0.0.1 (with faults
// in front of it), and a client with OnConflict that has created bucket.
func exampleBucket(ctx context.Context, bucket string, faults ...conflicttest.Fault) (*conflicttest.Server, *s3.Client, error) {
	srv, err := conflicttest.Start(conflicttest.WithFaults(faults...))
	if err != nil {
		return nil, nil, err
	}
	client := srv.Client(retry.OnConflict())
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		srv.Close()
		return nil, nil, err
	}
	return srv, client, nil
}

// Ten goroutines count visits in one object. None is lost, and the
// Updater combines the updates that meet in time into one write.
func ExampleUpdater() {
	ctx := context.Background()
	srv, client, err := exampleBucket(ctx, "stats") // an in-process S3 on 127.0.0.1
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	u := retry.NewUpdater(client) // one per client, shared by every goroutine
	count := func(cur []byte, exists bool) ([]byte, error) {
		n := 0
		if exists {
			var err error
			if n, err = strconv.Atoi(string(cur)); err != nil {
				return nil, err
			}
		}
		return []byte(strconv.Itoa(n + 1)), nil
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := u.Update(ctx, "stats", "visits", count); err != nil {
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()

	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("stats"), Key: aws.String("visits")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Body.Close()
	visits, _ := io.ReadAll(out.Body)
	fmt.Println("visits:", string(visits))
	// Output:
	// visits: 10
}

// Two workers claim one job; exactly one gets it, and the other learns who.
func ExampleClaim() {
	ctx := context.Background()
	srv, client, err := exampleBucket(ctx, "jobs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	if _, err := retry.Claim(ctx, client, "jobs", "invoice-42", "worker-a"); err == nil {
		fmt.Println("worker-a claimed invoice-42")
	}
	_, err = retry.Claim(ctx, client, "jobs", "invoice-42", "worker-b")
	var lost *retry.ClaimLost
	if errors.As(err, &lost) {
		fmt.Println("worker-b lost to", lost.Owner, "- precondition failed:", errors.Is(err, conflict.PreconditionFailed))
	}
	owner, _ := retry.Owner(ctx, client, "jobs", "invoice-42")
	fmt.Println("owner:", owner)
	// Output:
	// worker-a claimed invoice-42
	// worker-b lost to worker-a - precondition failed: true
	// owner: worker-a
}

// The completion of a multipart upload meets ConditionalRequestConflict
// (injected here): the dead upload is aborted and the upload starts again.
func ExampleUploadMultipart() {
	ctx := context.Background()
	srv, client, err := exampleBucket(ctx, "backups", conflicttest.Fault{
		Operation: "CompleteMultipartUpload", Code: "ConditionalRequestConflict", Times: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	data := bytes.Repeat([]byte("backup "), 1000)
	_, err = retry.UploadMultipart(ctx, client, retry.MultipartUpload{
		Create: &s3.CreateMultipartUploadInput{Bucket: aws.String("backups"), Key: aws.String("db.dump")},
		Body:   bytes.NewReader(data), Size: int64(len(data)), IfNoneMatch: aws.String("*")})
	if err != nil {
		fmt.Println(err)
		return
	}
	open, _ := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("backups")})
	fmt.Println("uploads started:", srv.Faults.Count("CreateMultipartUpload"))
	fmt.Println("uploads aborted:", srv.Faults.Count("AbortMultipartUpload"))
	fmt.Println("uploads left open:", len(open.Uploads))
	// Output:
	// uploads started: 2
	// uploads aborted: 1
	// uploads left open: 0
}
