package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// settings size the story: workers claim each of jobs; lose is the share
// of claim answers lost on the way back.
type settings struct {
	workers, jobs int
	lose          float64
}

// outcome is what the story found, per job.
type outcome struct {
	Done   map[string][]string // job → the workers that did it
	Told   map[string][]string // job → the winner each loser was told of
	Owner  map[string]string   // job → retry.Owner's answer afterwards
	Lost   int                 // claim answers lost on the way back
	Proven int                 // claims won whose answer was lost, proven by their token
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer, s settings) (outcome, error) {
	out := outcome{Done: map[string][]string{}, Told: map[string][]string{}, Owner: map[string]string{}}
	bucket, err := naming.Bucket("claim")
	if err != nil {
		return out, err
	}
	setup := e.Client()
	if _, err := setup.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return out, err
	}
	defer e.Remove(bucket)
	fmt.Fprintf(w, "claim against %s\n", e.Name)
	fmt.Fprintf(w, "%d workers race for %d jobs; %.0f%% of the claims' answers are lost on the way back.\n\n", s.workers, s.jobs, 100*s.lose)

	// Overlapping conditional writes conflict, as on S3; and some answers
	// never arrive, after the claim was written.
	e.Faults.SetModel(conflicttest.Model{ConfigApply: -1, RecreateWindow: -1})
	e.Faults.Add(conflicttest.Fault{Operation: "PutObject", Bucket: bucket, LoseResponse: true, Times: 1})
	e.Faults.Add(conflicttest.Fault{Operation: "PutObject", Bucket: bucket, LoseResponse: true, Probability: s.lose})

	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for i := range s.workers {
		worker := fmt.Sprintf("worker-%d", i+1)
		// The SDK resends a request whose answer was lost, after its own
		// backoff (up to 20 s by default): shortened here so the story
		// runs in seconds.
		client := e.Client(retry.OnConflict(), func(o *s3.Options) {
			o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
				so.Backoff = awsretry.NewExponentialJitterBackoff(100 * time.Millisecond)
			})
		})
		claims := retry.NewUpdater(client)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, j := range rand.Perm(s.jobs) { // each in its own order
				job := fmt.Sprintf("claims/job-%02d", j+1)
				won, err := claims.Claim(ctx, bucket, job, worker)
				var lost *retry.ClaimLost
				mu.Lock()
				switch {
				case err == nil:
					out.Done[job] = append(out.Done[job], worker) // do the job here
					if won.Proven {
						out.Proven++
					}
				case errors.As(err, &lost) && errors.Is(err, conflict.PreconditionFailed):
					out.Told[job] = append(out.Told[job], lost.Owner)
				default:
					errs = append(errs, fmt.Errorf("%s claiming %s: %w", worker, job, err))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	for _, r := range e.Faults.Records() {
		if r.Lost {
			out.Lost++
		}
	}

	for j := range s.jobs {
		job := fmt.Sprintf("claims/job-%02d", j+1)
		owner, err := retry.Owner(ctx, setup, bucket, job)
		if err != nil {
			return out, err
		}
		out.Owner[job] = owner
		fmt.Fprintf(w, "%s  done by %s; owner on S3: %s; the %d others were told %s won\n",
			job, strings.Join(out.Done[job], " and "), owner, len(out.Told[job]), agreed(out.Told[job]))
	}
	fmt.Fprintf(w, "\n%d claim answers were lost on the way back; %d of those claims had won, and their token proved it.\n", out.Lost, out.Proven)
	for job, done := range out.Done {
		if len(done) != 1 || done[0] != out.Owner[job] {
			return out, fmt.Errorf("%s was done by %v, owned by %s", job, done, out.Owner[job])
		}
	}
	if len(out.Done) != s.jobs {
		return out, fmt.Errorf("%d of %d jobs were done", len(out.Done), s.jobs)
	}
	return out, nil
}

// agreed returns the one name all losers were told, or a list when they
// disagree (which would be a bug).
func agreed(told []string) string {
	for _, o := range told {
		if o != told[0] {
			return strings.Join(told, ", ")
		}
	}
	if len(told) == 0 {
		return "nobody"
	}
	return told[0]
}
