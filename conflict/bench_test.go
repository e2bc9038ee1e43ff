package conflict_test

import (
	"errors"
	"testing"

	smithy "github.com/aws/smithy-go"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
)

// BenchmarkClassify measures classifying a real SDK error (an
// OperationError around a deserialized 409), and the nil error every
// successful call is checked with.
func BenchmarkClassify(b *testing.B) {
	err := call(b, "PutBucketTagging", s3stub.Error(409, "OperationAborted"))
	b.Run("what=classify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if conflict.Classify(err) != conflict.Transient {
				b.Fatal("wrong kind")
			}
		}
	})
	// The floor: one errors.As to an interface, which allocates its
	// target. Classify does four (its own *Error, the API error, the
	// status, the operation).
	b.Run("what=errors.As", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				b.Fatal("no API error")
			}
		}
	})
	b.Run("what=nil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if conflict.Classify(nil) != conflict.None {
				b.Fatal("wrong kind")
			}
		}
	})
}
