package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// settings size the story: replicas of the service start at once, each
// with one client and a goroutine per configuration; apply is how long the
// model takes to apply one write (0: conflicttest.DefaultConfigApply, 200 ms).
type settings struct {
	replicas int
	apply    time.Duration
}

// outcome is what the story found.
type outcome struct {
	Writes    int             // configuration writes made, all successful
	Aborted   int             // of their requests, answered OperationAborted
	Converged map[string]bool // configuration → read back as written
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer, s settings) (outcome, error) {
	out := outcome{Converged: map[string]bool{}}
	bucket, err := naming.Bucket("config-race")
	if err != nil {
		return out, err
	}
	if _, err := e.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	defer e.Remove(bucket)
	settingsOf := configurations(bucket)
	fmt.Fprintf(w, "config-race against %s\n", e.Name)
	fmt.Fprintf(w, "%d replicas start at once, each writing the %d configurations of s3://%s from %d goroutines;\nS3 applies one write at a time.\n\n",
		s.replicas, len(settingsOf), bucket, len(settingsOf))

	// S3 (here its model) applies one configuration write per bucket at a
	// time and answers overlapping ones OperationAborted.
	e.Faults.SetModel(conflicttest.Model{ConfigApply: s.apply, RecreateWindow: -1, ConditionalWrite: -1})
	mark := e.Mark()

	// Every replica has one client, its decisions logged at Debug.
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: shorten}))
	var wg sync.WaitGroup
	errs := make(chan error, s.replicas*len(settingsOf))
	for i := range s.replicas {
		log := logger.With("replica", i+1)
		client := e.Client(retry.OnConflict(func(o *retry.Options) { o.Logger = log }))
		for _, c := range settingsOf {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.put(ctx, client); err != nil {
					errs <- fmt.Errorf("%s: %w", c.name, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		failed = append(failed, err)
	}
	if err := errors.Join(failed...); err != nil {
		return out, err
	}
	out.Writes = s.replicas * len(settingsOf)
	for _, r := range e.Since(mark) {
		if r.Code == "OperationAborted" {
			out.Aborted++
		}
	}

	// Read every configuration back.
	fmt.Fprintf(w, "\nall %d writes succeeded; S3 answered OperationAborted %d times. Read back:\n", out.Writes, out.Aborted)
	reader := e.Client()
	for _, c := range settingsOf {
		same, err := c.check(ctx, reader)
		if err != nil {
			return out, fmt.Errorf("reading %s back: %w", c.name, err)
		}
		out.Converged[c.name] = same
		verdict := "as written"
		if !same {
			verdict = "DIFFERENT from what was written"
		}
		fmt.Fprintf(w, "    %-22s %s\n", c.name, verdict)
	}
	for name, same := range out.Converged {
		if !same {
			return out, fmt.Errorf("%s did not converge", name)
		}
	}
	return out, nil
}

// shorten keeps the log lines of the story short: the records also carry
// the time, bucket, key, status, request id and host id (what you want in a
// service's log), empty fields, and durations to the nanosecond.
func shorten(groups []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.TimeKey, "bucket", "key", "status", "request_id", "host_id":
		return slog.Attr{}
	}
	if v := a.Value.String(); v == "" || v == "0" || v == "none" {
		return slog.Attr{}
	}
	if a.Value.Kind() == slog.KindDuration {
		return slog.Duration(a.Key, a.Value.Duration().Round(time.Millisecond))
	}
	return a
}
