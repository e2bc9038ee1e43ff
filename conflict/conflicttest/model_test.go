//go:build go1.25

package conflicttest_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// The model's tests run in testing/synctest bubbles: the 200 ms applies and
// the 3 s windows pass in virtual time, so the outcome does not depend on
// how loaded the machine is.

// side is where the model sits: in front of the in-process server, or in
// the client in front of any endpoint (here a stub that answers 200).
type side struct {
	name string
	// start returns a client with the model m in front and the injector
	// that holds it, then optFns.
	start func(t *testing.T, m conflicttest.Model, optFns ...func(*s3.Options)) (*s3.Client, *conflicttest.Injector)
}

var sides = []side{
	{"server", func(t *testing.T, m conflicttest.Model, optFns ...func(*s3.Options)) (*s3.Client, *conflicttest.Injector) {
		srv := conflicttest.NewServer(t, conflicttest.WithInMemoryNetwork(), conflicttest.WithModel(m))
		return srv.Client(optFns...), srv.Faults
	}},
	{"client", func(t *testing.T, m conflicttest.Model, optFns ...func(*s3.Options)) (*s3.Client, *conflicttest.Injector) {
		inj := conflicttest.NewInjector(1)
		inj.SetModel(m)
		stub := s3stub.New()
		return stub.Client(append([]func(*s3.Options){func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) }}, optFns...)...), inj
	}},
}

// configWrites are five different configuration writes of one bucket.
func configWrites(c *s3.Client, bucket string) []func(context.Context) error {
	b := aws.String(bucket)
	return []func(context.Context) error{
		func(ctx context.Context) error {
			_, err := c.PutBucketVersioning(ctx, versioning(bucket))
			return err
		},
		func(ctx context.Context) error {
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b,
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("billing")}}}})
			return err
		},
		func(ctx context.Context) error {
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policyDoc(bucket))})
			return err
		},
		func(ctx context.Context) error {
			_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b,
				PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}})
			return err
		},
		func(ctx context.Context) error {
			_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
					ID: aws.String("expire-tmp"), Status: types.ExpirationStatusEnabled,
					Filter:     &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
					Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}}}})
			return err
		},
	}
}

// race runs 8 goroutines that each send the five configuration writes of
// one bucket, and returns every error.
func race(c *s3.Client, bucket string) []error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, write := range configWrites(c, bucket) {
				err := write(context.Background())
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// Eight goroutines writing five configurations of one bucket: without
// retry.OnConflict the writes that overlap another get OperationAborted;
// with it every write lands, one at a time.
func TestModelConfigWritesRace(t *testing.T) {
	for _, sd := range sides[1:] { // the server side: when it serves bucket sub-resources
		t.Run(sd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, inj := sd.start(t, conflicttest.Model{ConfigApply: 200 * time.Millisecond})
				_, _ = c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
				errs := race(c, "shared")
				aborted := 0
				for _, err := range errs {
					if err != nil {
						require.Equal(t, "OperationAborted", s3err.Code(err), "the only failure is the model's: %v", err)
						assert.Equal(t, conflict.Transient, conflict.Classify(err))
						aborted++
					}
				}
				assert.GreaterOrEqual(t, aborted, 7, "at least the first round's 7 losers")
				modeled := 0
				for _, r := range inj.Records() {
					if r.Modeled {
						modeled++
						assert.Equal(t, 409, r.Status)
						assert.False(t, r.Injected)
					}
				}
				assert.Equal(t, aborted, modeled, "the records say which answers the model gave")
			})
		})
	}
}

func TestModelConfigWritesRaceWithRetry(t *testing.T) {
	for _, sd := range sides[1:] {
		t.Run(sd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, inj := sd.start(t, conflicttest.Model{ConfigApply: 200 * time.Millisecond}, retry.OnConflict())
				_, _ = c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
				start := time.Now()
				errs := race(c, "shared")
				for _, err := range errs {
					assert.NoError(t, err)
				}
				assert.Len(t, errs, 40)
				assert.GreaterOrEqual(t, time.Since(start), 40*200*time.Millisecond, "the writes were applied one at a time")
				ok := 0
				for _, r := range inj.Records() {
					if r.Status/100 == 2 && r.Operation != "CreateBucket" {
						ok++
					}
				}
				assert.Equal(t, 40, ok, "each write landed once")
			})
		})
	}
}

// A configuration write holds only its own bucket.
func TestModelConfigWritesOtherBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := sides[0].start(t, conflicttest.Model{})
		for _, b := range []string{"alpha", "bravo"} {
			_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)})
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, b := range []string{"alpha", "bravo"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.PutBucketVersioning(context.Background(), versioning(b))
			}()
		}
		start := time.Now()
		wg.Wait()
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		assert.Equal(t, conflicttest.DefaultConfigApply, time.Since(start), "both applied at once, in the default 200 ms")
	})
}

// After DeleteBucket, CreateBucket of the name is refused for the window,
// then accepted.
func TestModelRecreateWindow(t *testing.T) {
	for _, sd := range sides {
		t.Run(sd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, inj := sd.start(t, conflicttest.Model{RecreateWindow: 3 * time.Second})
				ctx := context.Background()
				name := aws.String("reused")
				_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
				require.NoError(t, err)
				_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other")})
				require.NoError(t, err, "other names are free")
				_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: name})
				require.NoError(t, err)

				_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
				assert.Equal(t, "OperationAborted", s3err.Code(err))
				time.Sleep(3*time.Second - time.Nanosecond)
				_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
				assert.Equal(t, "OperationAborted", s3err.Code(err), "still inside the window")
				time.Sleep(time.Nanosecond)
				_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name})
				assert.NoError(t, err, "the window closed")

				recs := inj.Records()
				require.Len(t, recs, 6)
				assert.Equal(t, []bool{false, false, false, true, true, false},
					[]bool{recs[0].Modeled, recs[1].Modeled, recs[2].Modeled, recs[3].Modeled, recs[4].Modeled, recs[5].Modeled})
			})
		})
	}
}

// Overlapping conditional writes to one key: the later one answers
// ConditionalRequestConflict while the earlier is in flight; writes to
// other keys and unconditional writes are not held back.
func TestModelConditionalWrites(t *testing.T) {
	for _, sd := range sides {
		t.Run(sd.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := sd.start(t, conflicttest.Model{ConditionalWrite: 100 * time.Millisecond})
				ctx := context.Background()
				_, _ = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("jobs")})
				put := func(key string, conditional bool) error {
					in := &s3.PutObjectInput{Bucket: aws.String("jobs"), Key: aws.String(key), Body: strings.NewReader("claimed")}
					if conditional {
						in.IfNoneMatch = aws.String("*")
					}
					_, err := c.PutObject(ctx, in)
					return err
				}
				var wg sync.WaitGroup
				errs := make([]error, 4)
				run := func(i int, key string, conditional bool) {
					wg.Add(1)
					go func() { defer wg.Done(); errs[i] = put(key, conditional) }()
					synctest.Wait() // each write is in flight before the next starts
				}
				run(0, "job-1", true)
				run(1, "job-1", true)
				run(2, "job-2", true)
				run(3, "job-3", false)
				wg.Wait()
				assert.NoError(t, errs[0], "the first conditional write")
				assert.Equal(t, "ConditionalRequestConflict", s3err.Code(errs[1]), "the overlapping one")
				assert.Equal(t, conflict.Transient, conflict.Classify(errs[1]))
				assert.NoError(t, errs[2], "another key")
				assert.NoError(t, errs[3], "an unconditional write")
			})
		})
	}
}

// A negative duration turns a cause off.
func TestModelCauseOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, inj := sides[1].start(t, conflicttest.Model{ConfigApply: -1, RecreateWindow: -1, ConditionalWrite: -1})
		_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
		require.NoError(t, err)
		start := time.Now()
		for _, err := range race(c, "shared") {
			assert.NoError(t, err)
		}
		assert.Zero(t, time.Since(start), "nothing held")
		_, err = c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("shared")})
		require.NoError(t, err)
		_, err = c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
		assert.NoError(t, err)
		for _, r := range inj.Records() {
			assert.False(t, r.Modeled)
		}
	})
}
