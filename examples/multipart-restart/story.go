package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// partSize is S3's minimum for every part but the last.
const partSize = 5 << 20

// outcome is what the story found.
type outcome struct {
	HandErr    error // the plain calls' error
	OpenBefore int   // uploads open after the plain calls, before aborting by hand
	Creates    int   // CreateMultipartUpload requests of UploadMultipart
	Aborts     int   // AbortMultipartUpload requests of UploadMultipart
	Same       bool  // the object holds exactly the bytes given
	OpenAfter  int   // uploads open at the end
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer) (outcome, error) {
	var out outcome
	bucket, err := naming.Bucket("multipart")
	if err != nil {
		return out, err
	}
	client := e.Client(retry.OnConflict())
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	defer e.Remove(bucket)
	key := "backups/db.dump"
	body := bytes.Repeat([]byte("0123456789abcdef"), (partSize+4<<10)/16) // two parts: 5 MiB and 4 KiB
	fmt.Fprintf(w, "multipart-restart against %s\n", e.Name)
	fmt.Fprintf(w, "uploading %d bytes to s3://%s/%s in two parts (5 MiB, S3's minimum, and 4 KiB),\ncompleting with If-None-Match \"*\"\n\n", len(body), bucket, key)
	completeConflicts := conflicttest.Fault{Operation: "CompleteMultipartUpload", Bucket: bucket, Code: "ConditionalRequestConflict", Times: 1}

	// 1. By hand: the completion meets the conflict and the upload is dead.
	e.Faults.Add(completeConflicts)
	mark := e.Mark()
	out.HandErr = byHand(ctx, client, bucket, key, body)
	fmt.Fprintln(w, "1. CreateMultipartUpload, UploadPart, CompleteMultipartUpload by hand:")
	exampleenv.PrintRequests(w, e.Since(mark))
	var ce *conflict.Error
	if !errors.As(out.HandErr, &ce) || ce.Kind != conflict.RestartUpload {
		return out, fmt.Errorf("the completion by hand: %v, want a conflict of kind RestartUpload", out.HandErr)
	}
	fmt.Fprintf(w, "   error: %v\n   kind %s: upload %s cannot be completed; sending Complete again would not help\n", out.HandErr, ce.Kind, ce.UploadID)
	if out.OpenBefore, err = openUploads(ctx, client, bucket); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "   uploads still open (and billed): %d — aborting it by hand\n\n", out.OpenBefore)
	if _, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: &ce.UploadID}); err != nil {
		return out, err
	}

	// 2. retry.UploadMultipart: the same conflict, restarted.
	e.Faults.Add(completeConflicts)
	mark = e.Mark()
	_, err = retry.UploadMultipart(ctx, client, retry.MultipartUpload{
		Create:      &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key},
		Body:        bytes.NewReader(body),
		Size:        int64(len(body)),
		PartSize:    partSize,
		IfNoneMatch: aws.String("*"),
	})
	fmt.Fprintln(w, "2. retry.UploadMultipart:")
	exampleenv.PrintRequests(w, e.Since(mark))
	if err != nil {
		return out, fmt.Errorf("UploadMultipart: %w", err)
	}
	out.Creates, out.Aborts = countOps(e.Since(mark))
	if out.Same, err = holds(ctx, client, bucket, key, body); err != nil {
		return out, err
	}
	if out.OpenAfter, err = openUploads(ctx, client, bucket); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "   restarts: %d; the object holds exactly the bytes given: %v; uploads left open: %d\n",
		out.Creates-1, out.Same, out.OpenAfter)
	if !out.Same || out.OpenAfter != 0 {
		return out, errors.New("the upload did not end as it should")
	}
	return out, nil
}

// byHand uploads body in parts with the SDK's calls and completes it with
// If-None-Match "*". It leaves a failed upload open.
func byHand(ctx context.Context, c *s3.Client, bucket, key string, body []byte) error {
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return err
	}
	var parts []types.CompletedPart
	for n, off := int32(1), 0; off < len(body); n, off = n+1, off+partSize {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(body[off:min(off+partSize, len(body))])})
		if err != nil {
			return err
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: p.ETag})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, IfNoneMatch: aws.String("*")})
	return err
}

func openUploads(ctx context.Context, c *s3.Client, bucket string) (int, error) {
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		return 0, err
	}
	return len(out.Uploads), nil
}

func countOps(recs []conflicttest.Record) (creates, aborts int) {
	for _, r := range recs {
		switch r.Operation {
		case "CreateMultipartUpload":
			creates++
		case "AbortMultipartUpload":
			aborts++
		}
	}
	return creates, aborts
}

// holds says whether bucket/key holds exactly body.
func holds(ctx context.Context, c *s3.Client, bucket, key string, body []byte) (bool, error) {
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return false, err
	}
	defer got.Body.Close()
	b, err := io.ReadAll(got.Body)
	return bytes.Equal(b, body), err
}
