// Package storm simulates an OperationAborted storm: many callers of one
// S3 client write one bucket's configuration while S3 answers
// OperationAborted for a window of time, and records every request. The
// SDK's real serializers and deserializers run; only the HTTP client is a
// stub. Run it inside a testing/synctest bubble and the storm takes virtual
// time: a 20-second window passes in milliseconds, and the result does not
// depend on how loaded the machine is.
//
// The retry package's storm test and the benchmark harness (bench/) share
// it, so that BENCHMARKS.md shows what the tests hold.
package storm

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/baseline"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// Config is one storm.
type Config struct {
	Callers int           // goroutines sharing one client
	Window  time.Duration // S3 answers OperationAborted from 0 until Window
	// Arrival is when every caller sends its first request, after the
	// window opened: the window's end is not aligned with anyone's
	// schedule. The sweep uses 50 ms.
	Arrival time.Duration
}

// Result is what one storm produced.
type Result struct {
	Config
	Strategy  string
	Errs      []error           // per caller: what its call returned
	Done      []time.Duration   // per caller: when its call returned
	Sent      [][]time.Duration // per caller: when each of its requests arrived
	QuotaLeft int               // the SDK's retry quota left; -1: not used
}

// Ours is s3conflict's retry.OnConflict as a strategy, with the queue per
// bucket off (Options.NoCoordination): a storm measures the backoff of
// callers that cannot coordinate, as those of separate clients or
// processes. The callers of one client queue by default and send about one
// request each after the storm (internal/crowd measures that).
func Ours(optFns ...func(*retry.Options)) baseline.Strategy {
	optFns = append([]func(*retry.Options){func(o *retry.Options) { o.NoCoordination = true }}, optFns...)
	return baseline.Strategy{Name: "s3conflict", ClientOptions: []func(*s3.Options){retry.OnConflict(optFns...)}}
}

type callerKey struct{}

// Run lets cfg.Callers goroutines call PutBucketTagging on one client built
// with s's options, each under s's loop, and records the storm. Times are
// measured from the window's start with time.Now: inside a synctest bubble
// they are virtual.
func Run(cfg Config, s baseline.Strategy) Result {
	start := time.Now()
	res := Result{Config: cfg, Strategy: s.Name, QuotaLeft: -1,
		Errs: make([]error, cfg.Callers), Done: make([]time.Duration, cfg.Callers), Sent: make([][]time.Duration, cfg.Callers)}
	var mu sync.Mutex
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		now := time.Since(start)
		id := r.Context().Value(callerKey{}).(int)
		mu.Lock()
		res.Sent[id] = append(res.Sent[id], now)
		mu.Unlock()
		if now < cfg.Window {
			return s3stub.Error(409, "OperationAborted")
		}
		return s3stub.OK
	})
	client := stub.Client(s.ClientOptions...)
	in := &s3.PutBucketTaggingInput{Bucket: aws.String("shared"), Tagging: &types.Tagging{
		TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("storage")}}}}
	var wg sync.WaitGroup
	for i := range cfg.Callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.WithValue(context.Background(), callerKey{}, i)
			time.Sleep(cfg.Arrival)
			res.Errs[i] = s.Run(ctx, func(ctx context.Context) error {
				_, err := client.PutBucketTagging(ctx, in)
				return err
			})
			res.Done[i] = time.Since(start)
		}()
	}
	wg.Wait()
	if s.QuotaLeft != nil {
		res.QuotaLeft = s.QuotaLeft()
	}
	return res
}
