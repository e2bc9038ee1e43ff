package integration

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// concurrently calls fn each times in each of n goroutines (g: the
// goroutine's number) and waits for all of them.
func concurrently(n, each int, fn func(g int)) {
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				fn(g)
			}
		}()
	}
	wg.Wait()
}

// increment adds one to a JSON counter; absent is zero.
func increment(cur []byte, exists bool) ([]byte, error) {
	var v struct{ N int }
	if exists {
		if err := json.Unmarshal(cur, &v); err != nil {
			return nil, err
		}
	}
	v.N++
	return json.Marshal(v)
}

// counter reads the JSON counter.
func counter(t testing.TB, c *s3.Client, bucket, key string) int {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	require.NoError(t, err)
	defer out.Body.Close()
	var v struct{ N int }
	require.NoError(t, json.NewDecoder(out.Body).Decode(&v))
	return v.N
}

// 16 goroutines × 50 increments of one JSON counter: exactly 800, with one
// Updater (combining), with 4 clients each with its own Updater (writers of
// different clients collide on S3), and again with ConditionalRequestConflict
// (10% of writes) and lost responses (5%) injected in front of the server.
func TestCounterExact(t *testing.T) {
	const writers, each = 16, 50
	for _, tc := range []struct {
		name    string
		clients int
		faults  bool
	}{
		{"one-client", 1, false},
		{"four-clients", 4, false},
		{"one-client-faults", 1, true},
		{"four-clients-faults", 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			both(t, func(t *testing.T, b backend) {
				plain := b.client(nil)
				bucket := s3test.NewBucket(t, plain, false)
				var inj *conflicttest.Injector
				if tc.faults {
					inj = conflicttest.NewInjector(7,
						conflicttest.Fault{Operation: "PutObject", Code: "ConditionalRequestConflict", Probability: 0.10},
						conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.05 / 0.9},
					)
				}
				ups := make([]*retry.Updater, tc.clients)
				for i := range ups {
					// Ten SDK attempts: three lost answers in a row (one in
					// ~6,000 writes here) would end a call with the SDK's
					// attempts error, which is not what this test is about.
					c := b.client(inj, retry.OnConflict(fast), s3test.QuickSDKRetries,
						func(o *s3.Options) { o.RetryMaxAttempts = 10 })
					ups[i] = retry.NewUpdater(c, func(o *retry.UpdateOptions) { fast(&o.Options) })
				}
				errs := make(chan error, writers*each)
				concurrently(writers, each, func(g int) {
					if _, err := ups[g%tc.clients].Update(context.Background(), bucket, "counter", increment); err != nil {
						errs <- err
					}
				})
				close(errs)
				for err := range errs {
					assert.NoError(t, err)
				}
				assert.Equal(t, writers*each, counter(t, plain, bucket, "counter"))
				if inj != nil {
					lost, raced := 0, 0
					for _, r := range inj.Records() {
						if r.Lost {
							lost++
						}
						if r.Code == "ConditionalRequestConflict" {
							raced++
						}
					}
					assert.Positive(t, lost, "responses were lost")
					assert.Positive(t, raced, "conflicts were injected")
					t.Logf("%s: %d requests, %d lost responses, %d injected conflicts", b.name, len(inj.Records()), lost, raced)
				}
			})
		})
	}
}

// The same on a versioned bucket: each committed update is one version.
func TestCounterExactVersioned(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict(fast))
		bucket := s3test.NewBucket(t, c, false)
		s3test.EnableVersioning(t, c, bucket)
		u := retry.NewUpdater(c)
		concurrently(8, 10, func(int) {
			res, err := u.Update(context.Background(), bucket, "counter", increment)
			if assert.NoError(t, err) {
				assert.NotEmpty(t, res.VersionID)
			}
		})
		assert.Equal(t, 80, counter(t, c, bucket, "counter"))
		_, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("counter")})
		require.NoError(t, err)
	})
}
