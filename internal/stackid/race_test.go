package stackid_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// The checks' own client, built at the first check while other calls of
// the same client run, never writes to the user's client's S3 Express
// credentials provider (every call of the user's client reads it): run
// with -race.
func TestInnerClientsShareNoExpressProvider(t *testing.T) {
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		if r.URL.Query().Has("object-lock") {
			return s3stub.Error(404, "ObjectLockConfigurationNotFoundError")
		}
		return s3stub.Answer{Status: 204}
	})
	c := stub.Client(precheck.Enable())
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 { // checked: the first one builds the checks' client
				_, err = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("b"),
					Key: aws.String("k"), VersionId: aws.String("v")})
			} else { // unchecked
				_, err = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
			}
			require.NoError(t, err, "call %d", i)
		}()
	}
	wg.Wait()
	deletes := 0
	for _, r := range stub.Requests() {
		if r.Method == http.MethodDelete {
			deletes++
		}
	}
	require.Equal(t, 16, deletes)
}

// Concurrent conditional writes whose 412 needs proving (answered after
// the SDK resent them) each use the loop's own client: one per
// registration, sharing nothing mutable with the user's client. Run with
// -race.
func TestWriteProofsShareNoExpressProvider(t *testing.T) {
	puts := map[string]int{} // per key; the stub calls fn under its lock
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		if r.Method == http.MethodPut {
			if puts[r.URL.Path]++; puts[r.URL.Path] == 1 {
				return s3stub.Error(500, "InternalError") // the SDK resends
			}
			return s3stub.Error(412, "PreconditionFailed")
		}
		return s3stub.OK // HeadObject: no token, not proven
	})
	noWait := func(o *s3.Options) {
		o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
			so.Backoff = awsretry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	c := stub.Client(noWait, retry.OnConflict())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k" + strconv.Itoa(i)),
				IfNoneMatch: aws.String("*"), Body: strings.NewReader("x")})
			assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "resent, 412, no token found")
		}()
	}
	wg.Wait()
}
