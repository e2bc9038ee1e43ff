package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// settings size the story: workers each increment the counter increments
// times; write is how long the model keeps a conditional write in flight (0:
// conflicttest.DefaultConditionalWrite, 50 ms).
type settings struct {
	workers, increments int
	write               time.Duration
}

// outcome is what the story found.
type outcome struct {
	Want      int // increments made
	Naive     int // the counter after the obvious read-then-write
	Got       int // the counter after retry.Updater
	LostRaces int // writes answered 412: re-read and re-applied
	Conflicts int // writes answered 409 ConditionalRequestConflict: sent again
}

const key = "counters/visits"

func story(ctx context.Context, e *exampleenv.Env, w io.Writer, s settings) (outcome, error) {
	out := outcome{Want: s.workers * s.increments}
	bucket, err := naming.Bucket("counter")
	if err != nil {
		return out, err
	}
	setup := e.Client()
	if _, err := setup.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	defer e.Remove(bucket)
	fmt.Fprintf(w, "counter against %s\n", e.Name)
	fmt.Fprintf(w, "%d workers each add 1 to s3://%s/%s %d times: the counter should end at %d.\n\n",
		s.workers, bucket, key, s.increments, out.Want)

	// 1. The obvious way: read, add one, write. Nothing stops two workers
	// from reading the same value.
	err = parallel(s.workers, func(int) error {
		client := e.Client()
		for range s.increments {
			n, err := read(ctx, client, bucket, key)
			if err != nil {
				return err
			}
			_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key),
				Body: strings.NewReader(strconv.Itoa(n + 1))})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if out.Naive, err = read(ctx, setup, bucket, key); err != nil {
		return out, err
	}
	fmt.Fprintf(w, "GetObject then PutObject:  the counter says %d (%d increments lost)\n", out.Naive, out.Want-out.Naive)
	if _, err := setup.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)}); err != nil {
		return out, err
	}

	// 2. retry.Updater: a conditional write, and on a lost race a re-read
	// and the increment applied again. S3 (here its model) answers
	// conditional writes that overlap with ConditionalRequestConflict.
	e.Faults.SetModel(conflicttest.Model{ConditionalWrite: s.write, ConfigApply: -1, RecreateWindow: -1})
	mark := e.Mark()
	increment := func(current []byte, exists bool) ([]byte, error) {
		n := 0
		if exists {
			var err error
			if n, err = strconv.Atoi(string(current)); err != nil {
				return nil, fmt.Errorf("the counter holds %q, not a number", current)
			}
		}
		return []byte(strconv.Itoa(n + 1)), nil
	}
	err = parallel(s.workers, func(int) error {
		u := retry.NewUpdater(e.Client(retry.OnConflict()))
		for range s.increments {
			if _, err := u.Update(ctx, bucket, key, increment); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if out.Got, err = read(ctx, setup, bucket, key); err != nil {
		return out, err
	}
	for _, r := range e.Since(mark) {
		switch {
		case r.Status == 412:
			out.LostRaces++
		case r.Code == "ConditionalRequestConflict":
			out.Conflicts++
		}
	}
	fmt.Fprintf(w, "retry.Updater:             the counter says %d (%d lost races re-read and re-applied, %d conflicting writes sent again)\n",
		out.Got, out.LostRaces, out.Conflicts)
	if out.Got != out.Want {
		return out, fmt.Errorf("the counter says %d, want %d", out.Got, out.Want)
	}
	return out, nil
}

// read returns the counter's value, 0 when the object does not exist.
func read(ctx context.Context, c *s3.Client, bucket, key string) (int, error) {
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer got.Body.Close()
	b, err := io.ReadAll(got.Body)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}

// parallel runs fn for workers 0..n-1 at once and returns their errors.
func parallel(n int, fn func(worker int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn(i) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}
