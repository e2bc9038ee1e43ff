package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// row is one line of the table the story prints.
type row struct {
	Step      string
	Operation string
	Code      string
	Kind      conflict.Kind
	Decision  string
	Attempts  int
	Waited    time.Duration
	Forced    bool // the answer was injected, not the endpoint's own
	Err       error
}

// recorder collects the decisions of one step.
type recorder struct {
	mu     sync.Mutex
	events []retry.Event
	checks []precheck.Event
}

func (r *recorder) retryEvent(e retry.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}
func (r *recorder) checkEvent(e precheck.Event) {
	r.mu.Lock()
	r.checks = append(r.checks, e)
	r.mu.Unlock()
}

func (r *recorder) reset() { r.mu.Lock(); r.events, r.checks = nil, nil; r.mu.Unlock() }

// story creates a bucket under a generated name, rides out an
// OperationAborted storm on a configuration write, re-creates the bucket
// idempotently, meets a name that belongs to someone else (and renames with
// opt-in), and refuses to delete a non-empty bucket. It returns one row per
// step and cleans up what it created.
//
// storm is how long bucket-configuration writes are answered
// OperationAborted.
func story(ctx context.Context, e *exampleenv.Env, storm time.Duration) ([]row, error) {
	mine, err := naming.Bucket("quickstart")
	if err != nil {
		return nil, err
	}
	taken := "someone-elses-" + strings.TrimPrefix(mine, "quickstart-")

	// The conflicts the endpoint will not produce on its own are forced
	// through the client-side injector, and reported as forced.
	e.Faults.Add(conflicttest.Fault{Operation: "PutBucketVersioning", Bucket: mine, Code: "OperationAborted", Window: storm})
	e.Faults.Add(conflicttest.Fault{Operation: "HeadBucket", Bucket: taken, Status: 403})
	e.Faults.Add(conflicttest.Fault{Operation: "CreateBucket", Bucket: taken, Code: "BucketAlreadyExists"})
	rec := &recorder{}
	client := e.Client(
		retry.OnConflict(func(o *retry.Options) { o.OnEvent = rec.retryEvent }),
		precheck.Enable(func(o *precheck.Options) { o.OnEvent = rec.checkEvent }),
	)

	var rows []row
	step := func(name, op string, call func() (any, error)) row {
		rec.reset()
		before := e.Mark()
		out, err := call()
		r := summarize(name, op, out, err, rec)
		for _, x := range e.Since(before) {
			r.Forced = r.Forced || x.Injected
		}
		rows = append(rows, r)
		return r
	}

	step("create a bucket under a generated name", "CreateBucket", func() (any, error) {
		return client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &mine})
	})
	defer e.Remove(mine)

	step("turn on versioning during a storm", "PutBucketVersioning", func() (any, error) {
		return client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &mine,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	})
	step("create the same bucket again", "CreateBucket", func() (any, error) {
		return client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &mine})
	})
	step("create someone else's bucket", "CreateBucket", func() (any, error) {
		return client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &taken})
	})
	renamed := ""
	step("... again, with rename on", "CreateBucket", func() (any, error) {
		out, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &taken},
			retry.OnConflict(func(o *retry.Options) { o.Rename = naming.Rename; o.OnEvent = rec.retryEvent }))
		if err == nil {
			renamed, _ = retry.FinalBucket(out.ResultMetadata)
		}
		return out, err
	})
	if renamed != "" {
		defer e.Remove(renamed)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &mine, Key: aws.String("report.csv"),
		Body: strings.NewReader("id,total\n1,42\n")}); err != nil {
		return rows, fmt.Errorf("putting an object: %w", err)
	}
	step("delete the bucket with an object in it", "DeleteBucket", func() (any, error) {
		return client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &mine})
	})
	return rows, nil
}

// summarize turns one call's outcome and decisions into a row.
func summarize(name, op string, out any, err error, rec *recorder) row {
	r := row{Step: name, Operation: op, Attempts: 1, Decision: "sent once", Err: err}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.events {
		r.Code, r.Kind, r.Attempts = e.Code, e.Kind, e.Attempt
		r.Waited += e.Delay
		switch e.Action {
		case retry.Retry:
			r.Decision = "retried"
			r.Attempts = e.Attempt + 1
		case retry.Rename:
			r.Decision = "renamed to " + e.NewBucket
			r.Attempts = e.Attempt + 1
		case retry.Accept:
			r.Decision = "accepted as success"
		case retry.Stop:
			r.Decision = "stopped"
		}
	}
	for _, c := range rec.checks {
		if c.Outcome == "refuse" || c.Outcome == "accept" {
			r.Decision = "precheck: " + c.Outcome + ", not sent"
			r.Attempts = 0
		}
	}
	var ce *conflict.Error
	if errors.As(err, &ce) {
		r.Code, r.Kind = ce.Code, ce.Kind
	}
	if err == nil && len(rec.events) == 0 {
		r.Decision = "ok"
	}
	if res, ok := resultOf(out); ok && res.Attempts > 0 && r.Decision != "ok" && !strings.HasPrefix(r.Decision, "precheck") {
		r.Attempts = res.Attempts
	}
	return r
}

func resultOf(out any) (retry.Result, bool) {
	switch o := out.(type) {
	case *s3.CreateBucketOutput:
		if o != nil {
			return retry.ResultOf(o.ResultMetadata)
		}
	case *s3.PutBucketVersioningOutput:
		if o != nil {
			return retry.ResultOf(o.ResultMetadata)
		}
	}
	return retry.Result{}, false
}

// print writes the table.
func print(w io.Writer, e *exampleenv.Env, rows []row) {
	fmt.Fprintf(w, "s3conflict quickstart against %s\n\n", e.Name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tOPERATION\tS3 CODE\tKIND\tDECISION\tATTEMPTS\tWAITED\tFORCED")
	for _, r := range rows {
		code, kind := r.Code, r.Kind.String()
		switch {
		case r.Kind == conflict.None:
			code, kind = "-", "-"
		case code == "":
			code = "(precheck)"
		}
		forced := ""
		if r.Forced {
			forced = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%v\t%s\n", r.Step, r.Operation, code, kind, r.Decision, r.Attempts,
			r.Waited.Round(10*time.Millisecond), forced)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.Err != nil {
			fmt.Fprintf(w, "%s:\n    %v\n", r.Step, r.Err)
		}
	}
}
