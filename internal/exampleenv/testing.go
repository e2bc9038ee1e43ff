package exampleenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/versitygw"
)

// Each runs fn as subtests against a fresh in-process server, against
// versitygw (skipped locally when it cannot be had, failing under CI), and
// against versitygw named by the standard AWS environment, as `go run`
// with AWS_ENDPOINT_URL_S3 set reads it (config.LoadDefaultConfig). The
// first two run in parallel, after the third (which sets the environment).
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Run("in-process", func(t *testing.T) { t.Parallel(); fn(t, InProcess(conflicttest.NewServer(t))) })
	t.Run("versitygw", func(t *testing.T) { t.Parallel(); fn(t, Real(conflicttest.NewRealServer(t))) })
	t.Run("environment", func(t *testing.T) { fn(t, FromEnvironment(t, conflicttest.NewRealServer(t))) })
}

// FromEnvironment points the standard AWS environment at srv, as its plain
// user, for t, and returns Open's Env.
func FromEnvironment(t *testing.T, srv *conflicttest.RealServer) *Env {
	t.Helper()
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_S3": srv.URL, "AWS_ACCESS_KEY_ID": versitygw.Other.AccessKey,
		"AWS_SECRET_ACCESS_KEY": versitygw.Other.SecretKey, "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": ""} {
		t.Setenv(k, v)
	}
	e, err := Open(context.Background())
	if err != nil {
		t.Fatalf("opening the endpoint the environment names: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// Leftovers returns the buckets whose names start with prefix: what a story
// that cleans up after itself must not leave behind.
func Leftovers(t testing.TB, e *Env, prefix string) []string {
	t.Helper()
	out, err := e.Client().ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("listing buckets: %v", err)
	}
	var left []string
	for _, b := range out.Buckets {
		if strings.HasPrefix(*b.Name, prefix) {
			left = append(left, *b.Name)
		}
	}
	return left
}
