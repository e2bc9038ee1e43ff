package main

import (
	"context"
	"errors"
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
	Wanted      string
	FirstErr    error  // CreateBucket without rename
	Final       string // the name created with rename
	Stored      int    // objects in the final bucket
	StrangerGot int    // objects in the stranger's bucket (-1: no stranger to ask)
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer) (outcome, error) {
	out := outcome{StrangerGot: -1}
	var err error
	if out.Wanted, err = naming.Bucket("invoices"); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "name-taken against %s\n", e.Name)

	// Someone else owns the name we want.
	if stranger := e.OtherClient(); stranger != nil {
		if _, err := stranger.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &out.Wanted}); err != nil {
			return out, fmt.Errorf("the stranger creating %s: %w", out.Wanted, err)
		}
		defer func() {
			_, _ = stranger.DeleteBucket(context.WithoutCancel(ctx), &s3.DeleteBucketInput{Bucket: &out.Wanted})
		}()
		fmt.Fprintf(w, "another account owns %s\n\n", out.Wanted)
	} else {
		e.Faults.Add(conflicttest.Fault{Operation: "HeadBucket", Bucket: out.Wanted, Status: 403})
		e.Faults.Add(conflicttest.Fault{Operation: "CreateBucket", Bucket: out.Wanted, Code: "BucketAlreadyExists"})
		fmt.Fprintf(w, "another account owns %s (played by injected answers: this endpoint has one account)\n\n", out.Wanted)
	}
	client := e.Client(retry.OnConflict(), precheck.Enable())

	// 1. By default a taken name stops the call: resending cannot help.
	mark := e.Mark()
	_, out.FirstErr = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &out.Wanted})
	fmt.Fprintf(w, "1. CreateBucket %s:\n", out.Wanted)
	exampleenv.PrintRequests(w, e.Since(mark))
	if !errors.Is(out.FirstErr, conflict.NameTaken) {
		return out, fmt.Errorf("CreateBucket of a taken name: %v, want NameTaken", out.FirstErr)
	}
	fmt.Fprintf(w, "   error: %v\n   errors.Is(err, conflict.NameTaken): true, nothing resent\n\n", out.FirstErr)

	// 2. Rename on: a fresh name with the same prefix, created instead.
	mark = e.Mark()
	created, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &out.Wanted},
		retry.OnConflict(func(o *retry.Options) { o.Rename = naming.Rename }))
	fmt.Fprintf(w, "2. CreateBucket %s with Rename = naming.Rename:\n", out.Wanted)
	exampleenv.PrintRequests(w, e.Since(mark))
	if err != nil {
		return out, err
	}
	final, renamed := retry.FinalBucket(created.ResultMetadata)
	if !renamed {
		return out, errors.New("CreateBucket succeeded without a rename")
	}
	out.Final = final
	defer e.Remove(out.Final)
	fmt.Fprintf(w, "   retry.FinalBucket: %s\n\n", out.Final)

	// 3. The final name is the bucket's name from now on.
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: &out.Final, Key: aws.String("2026/11/invoice-0001.pdf"),
		Body: strings.NewReader("%PDF-1.7 ...")})
	if err != nil {
		return out, err
	}
	if out.Stored, err = count(ctx, client, out.Final); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "3. PutObject into %s: objects there: %d", out.Final, out.Stored)
	if stranger := e.OtherClient(); stranger != nil {
		if out.StrangerGot, err = count(ctx, stranger, out.Wanted); err != nil {
			return out, err
		}
		fmt.Fprintf(w, "; in the stranger's %s: %d", out.Wanted, out.StrangerGot)
	}
	fmt.Fprintln(w)
	return out, nil
}

func count(ctx context.Context, c *s3.Client, bucket string) (int, error) {
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	if err != nil {
		return 0, err
	}
	return len(out.Contents), nil
}
