package precheck_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// opOf names the S3 operation of a stub request.
func opOf(r s3stub.Request) string {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
	q, _ := urlQuery(r.Query)
	return conflicttest.Operation(r.Method, bucket, key, q, r.Header)
}

// A rename is checked again: whatever the order of the options, the retry
// loop stays outermost and each pass runs the precheck.
func TestRetryStaysOutermostInEitherOrder(t *testing.T) {
	rename := func(o *retry.Options) {
		o.Rename = naming.Rename
		o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} }
	}
	orders := map[string][]func(*s3.Options){
		"retry-first":    {retry.OnConflict(rename), precheck.Enable()},
		"precheck-first": {precheck.Enable(), retry.OnConflict(rename)},
	}
	for name, opts := range orders {
		t.Run(name, func(t *testing.T) {
			stub := s3stub.NewFunc(func(n int, r *http.Request) s3stub.Answer {
				switch {
				case r.Method == http.MethodHead:
					return s3stub.Error(404, "") // HeadBucket: no such bucket
				case n == 1:
					return s3stub.Error(409, "BucketAlreadyExists")
				}
				return s3stub.OK
			})
			c := stub.Client(opts...)
			_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("reports"),
				CreateBucketConfiguration: nil})
			require.NoError(t, err)
			var seq []string
			for _, r := range stub.Requests() {
				seq = append(seq, opOf(r))
			}
			assert.Equal(t, []string{"HeadBucket", "CreateBucket", "HeadBucket", "CreateBucket"}, seq)
			assert.NotEqual(t, stub.Requests()[0].Path, stub.Requests()[2].Path, "the second pass checks the new name")
		})
	}
}

func TestPresignIsUntouched(t *testing.T) {
	stub := s3stub.New()
	c := stub.Client(precheck.Enable(), retry.OnConflict())
	req, err := s3.NewPresignClient(c).PresignDeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("b")})
	require.NoError(t, err)
	assert.Contains(t, req.URL, "X-Amz-Signature")
	assert.Zero(t, stub.Count(), "presigning sends nothing, checks nothing")
}

// The in-process server answers HeadBucket 200 for any existing bucket and
// has one identity, whose ListBuckets proves the bucket ours: in us-east-1
// that stops a re-create, as it should.
func TestInProcessServer(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client(retry.OnConflict(), precheck.Enable())
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ledger")})
	require.NoError(t, err)
	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ledger")})
	require.NoError(t, err)
	res, _ := retry.ResultOf(out.ResultMetadata)
	assert.Equal(t, conflict.AlreadyOwned, res.Accepted)

	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ledger"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	srv.Faults.Reset()
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("ledger")})
	require.ErrorIs(t, err, conflict.NotEmpty)
	assert.Equal(t, 0, srv.Faults.Count("DeleteBucket"))
}

// BenchmarkDeleteVersionRequests reports the requests one DeleteObject with
// a VersionId costs, the delete included, on a bucket without and with
// Object Lock, with the cache (the default) and without it (FactTTL < 0).
// Expected: plain 1 / 2, lock 3 / 4.
//
//	go test -run x -bench DeleteVersionRequests ./precheck
func BenchmarkDeleteVersionRequests(b *testing.B) {
	for _, bc := range []struct {
		name string
		lock bool
		ttl  time.Duration
	}{{"bucket=plain/cache=on", false, 0}, {"bucket=plain/cache=off", false, -1},
		{"bucket=lock/cache=on", true, 0}, {"bucket=lock/cache=off", true, -1}} {
		b.Run(bc.name, func(b *testing.B) {
			stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
				q := r.URL.Query()
				switch {
				case q.Has("object-lock") && bc.lock:
					return s3stub.Answer{Body: `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`}
				case q.Has("object-lock"):
					return s3stub.Error(404, "ObjectLockConfigurationNotFoundError")
				case q.Has("legal-hold"):
					return s3stub.Answer{Body: `<LegalHold><Status>OFF</Status></LegalHold>`}
				case q.Has("retention"):
					return s3stub.Error(404, "NoSuchObjectLockConfiguration")
				}
				return s3stub.Answer{Status: 204}
			})
			c := stub.Client(precheck.Enable(func(o *precheck.Options) { o.FactTTL = bc.ttl }))
			in := &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), VersionId: aws.String("v1")}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.DeleteObject(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(stub.Count())/float64(b.N), "requests/op")
		})
	}
}

func urlQuery(s string) (map[string][]string, error) {
	v, err := url.ParseQuery(s)
	return v, err
}

// With BucketName on, an invalid name is refused before anything is sent,
// with the rule it breaks; a valid one goes ahead.
func TestBucketNameValidation(t *testing.T) {
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		if r.Method == http.MethodHead {
			return s3stub.Error(404, "")
		}
		return s3stub.OK
	})
	c := stub.Client(precheck.Enable(func(o *precheck.Options) { o.BucketName = precheck.On }))
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("Invoices_2026")})
	require.ErrorIs(t, err, naming.BucketCharset)
	assert.Zero(t, stub.Count())

	_, err = c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("invoices-2026")})
	require.NoError(t, err)
	assert.Equal(t, 2, stub.Count(), "HeadBucket, CreateBucket")

	// Off by default: the name goes to S3, which decides.
	stub2 := s3stub.New(s3stub.Error(404, ""), s3stub.Error(400, "InvalidBucketName"))
	_, err = stub2.Client(precheck.Enable()).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("Invoices_2026")})
	require.Error(t, err)
	assert.NotErrorIs(t, err, naming.BucketCharset)
	assert.Equal(t, 2, stub2.Count())
}
