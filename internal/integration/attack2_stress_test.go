package integration

import (
	"context"
	"errors"
	"io"
	"strconv"
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

// Attack on 22029e3 on versitygw: 16 goroutines over 4 Updaters (each
// with its own client and faults: 500 before the store, lost answers, 503)
// increment one counter. Every success once, no reported failure landed.
func TestAttack2UpdatersUnderFaultsVersitygw(t *testing.T) {
	b := versity(t)
	plain := b.client(nil)
	bucket := s3test.NewBucket(t, plain, false)
	var ups [4]*retry.Updater
	for i := range ups {
		inj := conflicttest.NewInjector(uint64(i+1),
			conflicttest.Fault{Operation: "PutObject", Status: 500, Code: "InternalError", Probability: 0.1},
			conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.1},
			conflicttest.Fault{Operation: "PutObject", Status: 503, Code: "SlowDown", Probability: 0.1})
		ups[i] = retry.NewUpdater(b.client(inj, s3test.QuickSDKRetries))
	}
	var mu sync.Mutex
	var ok, amb, other int
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				_, err := ups[g%4].Update(context.Background(), bucket, "n", incr)
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, retry.ErrAmbiguousWrite):
					amb++
				default:
					other++
					t.Logf("error: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	o, err := plain.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("n")})
	require.NoError(t, err)
	body, err := io.ReadAll(o.Body)
	o.Body.Close()
	require.NoError(t, err)
	got, err := strconv.Atoi(string(body))
	require.NoError(t, err)
	t.Logf("ok=%d ambiguous=%d other=%d counter=%d", ok, amb, other, got)
	assert.GreaterOrEqual(t, got, ok)
	assert.LessOrEqual(t, got, ok+amb)
}

func incr(cur []byte, exists bool) ([]byte, error) {
	n := 0
	if exists {
		var err error
		if n, err = strconv.Atoi(string(cur)); err != nil {
			return nil, err
		}
	}
	return []byte(strconv.Itoa(n + 1)), nil
}
