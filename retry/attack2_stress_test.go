package retry_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// fail500After forwards a share of the PutObjects, then answers 500
// InternalError instead of the store's answer: the write landed.
type fail500After struct {
	next conflicttest.HTTPClient
	p    float64
	mu   sync.Mutex
	rng  *rand.Rand
}

func (f *fail500After) Do(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	hit := r.Method == http.MethodPut && f.rng.Float64() < f.p
	f.mu.Unlock()
	resp, err := f.next.Do(r)
	if !hit || err != nil {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message><RequestId>X1</RequestId></Error>`
	h := http.Header{}
	h.Set("Content-Type", "application/xml")
	h.Set("x-amz-request-id", "X1")
	return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: h, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// Attack on 22029e3 (promise: each update in the object exactly once):
// 16 goroutines over 4 Updaters increment one counter while PutObjects
// meet 500s before the store, 500s after it, lost answers and 503s, and
// GetObjects meet 500s; with several client Retryers. Every success must
// be in the counter once, every plain error must not be; only
// ErrAmbiguousWrite may be either.
func TestAttack2StressFaults(t *testing.T) {
	t.Parallel()
	retryers := map[string]func(*s3.Options){
		"quick standard": s3test.QuickSDKRetries,
		"nop":            func(o *s3.Options) { o.Retryer = aws.NopRetryer{} },
		"max attempts 1": func(o *s3.Options) { s3test.QuickSDKRetries(o); o.Retryer = awsretry.AddWithMaxAttempts(o.Retryer, 1) },
		"max attempts 8": func(o *s3.Options) { s3test.QuickSDKRetries(o); o.Retryer = awsretry.AddWithMaxAttempts(o.Retryer, 8) },
	}
	for name, rt := range retryers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := conflicttest.NewServer(t)
			setup := srv.Client()
			bucket := s3test.NewBucket(t, setup, false)
			srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Status: 500, Code: "InternalError", Probability: 0.15})
			srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.15})
			srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Status: 503, Code: "SlowDown", Probability: 0.15})
			srv.Faults.Add(conflicttest.Fault{Operation: "GetObject", Status: 500, Code: "InternalError", Probability: 0.03})
			var ups [4]*retry.Updater
			for i := range ups {
				post := &fail500After{p: 0.15, rng: rand.New(rand.NewPCG(uint64(i), 7))}
				c := srv.Client(rt, func(o *s3.Options) { post.next, o.HTTPClient = o.HTTPClient, post })
				ups[i] = retry.NewUpdater(c, noWait)
			}
			const perG = 20
			var mu sync.Mutex
			var ok, amb, other int
			var otherErrs []error
			var wg sync.WaitGroup
			for g := 0; g < 16; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perG; i++ {
						_, err := ups[g%4].Update(context.Background(), bucket, "n", retry.Incr)
						mu.Lock()
						switch {
						case err == nil:
							ok++
						case errors.Is(err, retry.ErrAmbiguousWrite):
							amb++
						default:
							other++
							otherErrs = append(otherErrs, err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			got, err := strconv.Atoi(get(t, setup, bucket, "n"))
			require.NoError(t, err)
			t.Logf("ok=%d ambiguous=%d other=%d counter=%d", ok, amb, other, got)
			for i, e := range otherErrs {
				if i < 3 {
					t.Logf("other error: %v", e)
				}
			}
			assert.GreaterOrEqual(t, got, ok, "a success is missing from the object")
			assert.LessOrEqual(t, got, ok+amb, "an update is in the object twice, or a reported failure landed")
		})
	}
}
