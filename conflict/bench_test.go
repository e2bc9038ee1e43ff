package conflict_test

import (
	"testing"

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
	b.Run("what=nil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if conflict.Classify(nil) != conflict.None {
				b.Fatal("wrong kind")
			}
		}
	})
}
