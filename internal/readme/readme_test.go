// Package readme keeps the README's code samples compiling: each sample is
// in an Example function below, and TestSamplesAreInSync checks that the
// README still shows the same lines.
package readme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

var (
	cfg     aws.Config
	ctx     = context.Background()
	name    = "invoices"
	metrics = struct{ Add func(retry.Event) }{func(retry.Event) {}}
)

func Example_dropIn() {
	client := s3.NewFromConfig(cfg, retry.OnConflict(), precheck.Enable())
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if errors.Is(err, conflict.NameTaken) {
		// the name belongs to another account: pick another (or turn on rename)
	}
}

// policyClient is the "Changing a decision" sample; TestPolicySample runs it.
func policyClient(cfg aws.Config) *s3.Client {
	// Re-creating a name right after DeleteBucket can be answered OperationAborted
	// for minutes (the name is being released): stop that CreateBucket at once.
	client := s3.NewFromConfig(cfg, retry.OnConflict(func(o *retry.Options) {
		o.Policies = []retry.Policy{{Kind: conflict.Transient, Operation: "CreateBucket", Code: "OperationAborted", Action: retry.Stop}}
	}))
	return client
}

// The policy sample does what its comment says: the OperationAborted storm
// that follows a DeleteBucket arrives on CreateBucket, and stops at once
// there, while other transient conflicts are still retried.
func TestPolicySample(t *testing.T) {
	stub := s3stub.New(s3stub.Error(409, "OperationAborted"), s3stub.Error(409, "OperationAborted"), s3stub.OK)
	client := policyClient(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("https://127.0.0.1"),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), HTTPClient: smithyhttp.ClientDoFunc(stub.Do)})
	path := func(o *s3.Options) { o.UsePathStyle = true }
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reused")}, path)
	if !errors.Is(err, conflict.Transient) || stub.Count() != 1 {
		t.Fatalf("CreateBucket after a delete: err %v after %d requests, want a transient conflict after 1", err, stub.Count())
	}
	_, err = client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("reused"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}, path,
		retry.OnConflict(func(o *retry.Options) { o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} } }))
	if err != nil || stub.Count() != 3 {
		t.Fatalf("PutBucketVersioning: err %v after %d requests, want success after 2", err, stub.Count())
	}
}

func Example_rename() {
	client := s3.NewFromConfig(cfg,
		retry.OnConflict(func(o *retry.Options) { o.Rename = naming.Rename }),
		precheck.Enable(),
	)
	out, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("invoices")})
	if err == nil {
		if final, renamed := retry.FinalBucket(out.ResultMetadata); renamed {
			name = final // the original name belongs to someone else now
		}
	}
}

func Example_logging() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := s3.NewFromConfig(cfg, retry.OnConflict(func(o *retry.Options) {
		o.Logger = logger                                  // one record per decision
		o.OnEvent = func(e retry.Event) { metrics.Add(e) } // the same facts, for metrics
	}))
	_ = client
}

func TestTaggingSurvivesAStorm(t *testing.T) {
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{
		Operation: "PutBucketVersioning", Code: "OperationAborted", Times: 3,
	}))
	client := srv.Client(retry.OnConflict())
	// ... your code against client; srv.Faults.Records() says what was served
	_ = client
}

// updateSample is the README's read-modify-write sample.
func updateSample(client *s3.Client) (retry.Committed, error) {
	// Any number of goroutines and processes increment one counter: no increment is
	// lost or applied twice. One Updater per client: its callers share reads and writes.
	updater := retry.NewUpdater(client)
	res, err := updater.Update(ctx, "jobs", "counter.json", func(cur []byte, exists bool) ([]byte, error) {
		var c struct{ N int }
		if exists {
			if err := json.Unmarshal(cur, &c); err != nil {
				return nil, err // nothing is written
			}
		}
		c.N++
		return json.Marshal(c)
	})
	return res, err
}

// claimSample is the README's claim sample; it returns the winner it was
// told of ("" when workerID won).
func claimSample(client *s3.Client, workerID string) (string, error) {
	// Exactly one of many workers, in any number of processes, gets job 42.
	_, err := retry.Claim(ctx, client, "jobs", "claims/42", workerID)
	var lost *retry.ClaimLost
	if errors.As(err, &lost) {
		log.Printf("job 42 is %s's", lost.Owner) // retry.Owner reads it later too
		return lost.Owner, nil
	}
	return "", err
}

// The read-modify-write and claim samples do what the README says, run by
// 8 workers with a client each (as if each were its own process) against a
// server that loses 10% of the answers to PutObject.
func TestUpdateAndClaimSamples(t *testing.T) {
	srv := conflicttest.NewServer(t, conflicttest.WithSeed(7),
		conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.1}))
	_, err := srv.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	winners := make([]string, workers)
	log.SetOutput(io.Discard) // the claim sample logs the winner
	defer log.SetOutput(os.Stderr)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := srv.Client()
			for range each {
				if _, err := updateSample(client); err != nil {
					t.Error(err)
				}
			}
			owner, err := claimSample(client, fmt.Sprint("worker-", w))
			if err != nil {
				t.Error(err)
			}
			winners[w] = owner
		}()
	}
	wg.Wait()
	out, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("jobs"), Key: aws.String("counter.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	var c struct{ N int }
	if err := json.NewDecoder(out.Body).Decode(&c); err != nil || c.N != workers*each {
		t.Fatalf("counter %d (%v), want %d", c.N, err, workers*each)
	}
	owner, err := retry.Owner(ctx, srv.Client(), "jobs", "claims/42")
	if err != nil {
		t.Fatal(err)
	}
	won := 0
	for w, told := range winners {
		switch told {
		case "":
			won++
			if owner != fmt.Sprint("worker-", w) {
				t.Errorf("worker-%d was told it won; the claim names %s", w, owner)
			}
		case owner:
		default:
			t.Errorf("worker-%d was told %s won; the claim names %s", w, told, owner)
		}
	}
	if won != 1 {
		t.Errorf("%d workers won the claim, want exactly 1", won)
	}
}

// TestSamplesAreInSync checks that every line of every Go sample in the
// README appears in this file: a sample that no longer compiles here
// cannot stay in the README.
func TestSamplesAreInSync(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	code := map[string]bool{}
	for _, l := range strings.Split(string(self), "\n") {
		code[strings.TrimSpace(l)] = true
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d Go samples in the README, want at least 5", len(blocks))
	}
	for _, b := range blocks {
		for _, l := range strings.Split(b[1], "\n") {
			if l = strings.TrimSpace(l); l != "" && !code[l] {
				t.Errorf("README line not compiled here: %q", l)
			}
		}
	}
}
