// Package crowd runs the callers of one S3 client against the conflict
// model of conflicttest, where conflicts arise the way S3 makes them: from
// what the callers themselves do at the same time. Two scenarios measure
// how well a client's calls avoid colliding with each other:
//
//   - [ConfigRace]: 8 goroutines each make 5 different configuration writes
//     to one bucket; S3 applies one at a time (200 ms each) and answers
//     OperationAborted to a write that arrives meanwhile.
//   - [Recreate]: a bucket is deleted, and 50 goroutines re-create its name
//     while S3 still refuses it (OperationAborted for 3 s).
//
// The SDK's real serializers and deserializers run; the model sits in the
// client (conflicttest.Injector) in front of a stub that answers 200. Run
// inside a testing/synctest bubble: the 8 s of the race pass in virtual
// time, and the result does not depend on the machine's load. The retry
// package's coordination test and the benchmark harness (bench/) share it.
package crowd

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/baseline"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// The scenarios' numbers.
const (
	RaceGoroutines = 8
	RaceWrites     = 5 // different configuration writes per goroutine
	Apply          = 200 * time.Millisecond
	// Stagger is how much later each goroutine of the race starts than the
	// one before, so that every call is made at its own instant and "the
	// order called" is defined.
	Stagger         = time.Millisecond
	RecreateCallers = 50
	Window          = 3 * time.Second
	// Arrival is the time between two callers' first CreateBucket: they
	// arrive spread over the first 2.45 s of the window.
	Arrival = 50 * time.Millisecond
)

// SerialMinimum is the race's shortest possible duration: every write
// applied one after the other.
const SerialMinimum = RaceGoroutines * RaceWrites * Apply

// Strategies are the ways of calling compared, each made fresh per run:
// no retries, Terraform's schedule, retry.OnConflict without coordination,
// and retry.OnConflict with its defaults.
func Strategies() []func() baseline.Strategy {
	return []func() baseline.Strategy{
		baseline.None,
		func() baseline.Strategy { return baseline.Terraform{}.Strategy() },
		func() baseline.Strategy {
			return baseline.Strategy{Name: "uncoordinated", ClientOptions: []func(*s3.Options){
				retry.OnConflict(func(o *retry.Options) { o.NoCoordination = true })}}
		},
		func() baseline.Strategy {
			return baseline.Strategy{Name: "s3conflict", ClientOptions: []func(*s3.Options){retry.OnConflict()}}
		},
	}
}

// callKey marks a request's context with the number of the call it serves.
type callKey struct{}

// bench is one scenario's client and the record of what it did.
type bench struct {
	start  time.Time
	client *s3.Client
	mu     sync.Mutex
	res    Result
}

// newBench builds a client with s's options behind the model m, counting
// each call's requests and the order in which writes reached the store.
func newBench(s baseline.Strategy, m conflicttest.Model, calls int) *bench {
	b := &bench{start: time.Now()}
	b.res = Result{Strategy: s.Name, Errs: make([]error, calls), Called: make([]time.Duration, calls),
		Done: make([]time.Duration, calls), Requests: make([]int, calls)}
	inj := conflicttest.NewInjector(1)
	inj.SetModel(m)
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		if id, ok := r.Context().Value(callKey{}).(int); ok {
			b.mu.Lock()
			b.res.Applied = append(b.res.Applied, id)
			b.mu.Unlock()
		}
		return s3stub.OK
	})
	count := func(o *s3.Options) {
		model := inj.Client(o.HTTPClient)
		o.HTTPClient = smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
			if id, ok := r.Context().Value(callKey{}).(int); ok {
				b.mu.Lock()
				b.res.Requests[id]++
				b.mu.Unlock()
			}
			return model.Do(r)
		})
	}
	b.client = stub.Client(append([]func(*s3.Options){count}, s.ClientOptions...)...)
	return b
}

// call makes call number id under s, recording when it was made and ended.
func (b *bench) call(s baseline.Strategy, id int, fn func(context.Context, *s3.Client) error) {
	ctx := context.WithValue(context.Background(), callKey{}, id)
	b.res.Called[id] = time.Since(b.start)
	b.res.Errs[id] = s.Run(ctx, func(ctx context.Context) error { return fn(ctx, b.client) })
	b.res.Done[id] = time.Since(b.start)
}

// ConfigRace runs the race under s: goroutine g (from 0) starts g ×
// Stagger after the others' first, and makes its 5 writes one after the
// other; call g×5+i is its write i.
func ConfigRace(s baseline.Strategy) Result {
	b := newBench(s, conflicttest.Model{ConfigApply: Apply, RecreateWindow: -1, ConditionalWrite: -1},
		RaceGoroutines*RaceWrites)
	var wg sync.WaitGroup
	for g := range RaceGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(g) * Stagger)
			for i, w := range configWrites("shared") {
				b.call(s, g*RaceWrites+i, w)
			}
		}()
	}
	wg.Wait()
	return b.res
}

// Recreate runs the re-creation under s: the bucket is deleted at 0, and
// caller i calls CreateBucket at i × Arrival.
func Recreate(s baseline.Strategy) Result {
	b := newBench(s, conflicttest.Model{ConfigApply: -1, RecreateWindow: Window, ConditionalWrite: -1}, RecreateCallers)
	if _, err := b.client.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("reused")}); err != nil {
		panic(err) // the stub answers 200: a failure is a broken harness
	}
	b.start = time.Now() // the window opens
	b.res.Window = Window
	var wg sync.WaitGroup
	for i := range RecreateCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * Arrival)
			b.call(s, i, func(ctx context.Context, c *s3.Client) error {
				_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reused")})
				return err
			})
		}()
	}
	wg.Wait()
	return b.res
}

// configWrites are five different configuration writes of one bucket.
func configWrites(bucket string) []func(context.Context, *s3.Client) error {
	b := aws.String(bucket)
	return []func(context.Context, *s3.Client) error{
		func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
			return err
		},
		func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b,
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}}}})
			return err
		},
		func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			return err
		},
		func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
				PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}})
			return err
		},
		func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b,
				ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
					ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}})
			return err
		},
	}
}
