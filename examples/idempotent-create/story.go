package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// outcome is what the story found.
type outcome struct {
	Requests [2][]conflicttest.Record // each service's requests
	Worker   retry.Result             // what the loop did for "worker"
	Objects  int                      // objects both services stored
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer) (outcome, error) {
	var out outcome
	bucket, err := naming.Bucket("shared")
	if err != nil {
		return out, err
	}
	fmt.Fprintf(w, "idempotent-create against %s\n\n", e.Name)
	defer e.Remove(bucket)

	// Every service creates the bucket it needs at start-up, each with
	// its own client: the same two options.
	var results [2]*s3.CreateBucketOutput
	for i, service := range []string{"api", "worker"} {
		client := e.Client(retry.OnConflict(), precheck.Enable())
		mark := e.Mark()
		created, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
		out.Requests[i] = e.Since(mark)
		fmt.Fprintf(w, "%d. service %q creates %s:\n", i+1, service, bucket)
		exampleenv.PrintRequests(w, out.Requests[i])
		if err != nil {
			return out, fmt.Errorf("service %s: %w", service, err)
		}
		results[i] = created
		if r, ok := retry.ResultOf(created.ResultMetadata); ok && r.Accepted == conflict.AlreadyOwned {
			out.Worker = r
			fmt.Fprintln(w, "   success: the bucket exists and is proven ours (kind already owned); CreateBucket was not sent")
		} else {
			fmt.Fprintln(w, "   success: created")
		}
		if i == 0 {
			fmt.Fprintln(w)
		}
		_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(service + "/started"),
			Body: strings.NewReader(service)})
		if err != nil {
			return out, err
		}
	}

	// 3. Both services use the bucket.
	list, err := e.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	if err != nil {
		return out, err
	}
	out.Objects = len(list.Contents)
	sent := 0
	for _, reqs := range out.Requests {
		for _, r := range reqs {
			if r.Operation == "CreateBucket" {
				sent++
			}
		}
	}
	fmt.Fprintf(w, "\nboth services started: CreateBucket requests in all: %d; objects the two stored in the bucket: %d\n", sent, out.Objects)
	return out, nil
}
