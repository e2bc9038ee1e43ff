package exampleenv

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

// Each runs fn against a fresh in-process server and against versitygw
// (skipped locally when it cannot be had, failing under CI), as subtests.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Run("in-process", func(t *testing.T) { fn(t, InProcess(conflicttest.NewServer(t))) })
	t.Run("versitygw", func(t *testing.T) { fn(t, Real(conflicttest.NewRealServer(t))) })
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
