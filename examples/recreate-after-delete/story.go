package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// The two policies a caller may choose for re-creating a deleted name.
var (
	// failFast: a request handler answers its own caller at once.
	failFast = retry.Policy{Kind: conflict.Transient, Operation: "CreateBucket", Code: "OperationAborted",
		Action: retry.Stop}
	// patient: a provisioning job waits for the name's release, up to 10
	// minutes. The default backoff grows to 10 s per delay, so 10 minutes
	// take about 70 requests: MaxAttempts 100.
	patient = retry.Policy{Kind: conflict.Transient, Operation: "CreateBucket", Code: "OperationAborted",
		MaxElapsed: 10 * time.Minute, MaxAttempts: 100}
)

// outcome is what the story found.
type outcome struct {
	FastErr  error        // the fail-fast create
	Patient  retry.Result // the patient create
	Aborted  int          // CreateBucket requests answered OperationAborted
	Exists   bool         // the bucket exists at the end
	Released time.Duration
}

// story runs with the model's window (0: conflicttest.DefaultRecreateWindow,
// 3 s).
func story(ctx context.Context, e *exampleenv.Env, w io.Writer, window time.Duration) (outcome, error) {
	var out outcome
	bucket, err := naming.Bucket("tenant")
	if err != nil {
		return out, err
	}
	e.Faults.SetModel(conflicttest.Model{RecreateWindow: window, ConfigApply: -1, ConditionalWrite: -1})
	client := e.Client(retry.OnConflict())
	fmt.Fprintf(w, "recreate-after-delete against %s\n\n", e.Name)

	// 1. Create and delete.
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "1. created and deleted %s\n", bucket)

	// 2. A request handler: stop at once.
	_, out.FastErr = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket},
		retry.OnConflict(func(o *retry.Options) { o.Policies = []retry.Policy{failFast} }))
	var ce *conflict.Error
	if !errors.As(out.FastErr, &ce) || ce.Kind != conflict.Transient {
		return out, fmt.Errorf("the fail-fast create: %v, want a transient conflict", out.FastErr)
	}
	fmt.Fprintf(w, "2. a request handler re-creates it at once, with Action: retry.Stop:\n   error after %d request: %v\n   (kind %s, code %s: the name is still being released; come back later)\n",
		ce.Attempts, out.FastErr, ce.Kind, ce.Code)

	// 3. A provisioning job: wait for the release.
	mark := e.Mark()
	start := time.Now()
	created, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket},
		retry.OnConflict(func(o *retry.Options) { o.Policies = []retry.Policy{patient} }))
	if err != nil {
		return out, fmt.Errorf("the patient create: %w", err)
	}
	defer e.Remove(bucket)
	out.Released = time.Since(start)
	out.Patient, _ = retry.ResultOf(created.ResultMetadata)
	fmt.Fprintln(w, "3. a provisioning job re-creates it, with MaxElapsed: 10 minutes, MaxAttempts: 100:")
	recs := e.Since(mark)
	exampleenv.PrintRequests(w, recs)
	for _, r := range recs {
		if r.Code == "OperationAborted" {
			out.Aborted++
		}
	}
	fmt.Fprintf(w, "   created after %d requests, %v after the first\n", out.Patient.Attempts, out.Released.Round(10*time.Millisecond))

	// 4. The bucket is back.
	_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	out.Exists = err == nil
	fmt.Fprintf(w, "4. %s exists again: %v\n", bucket, out.Exists)
	return out, err
}
