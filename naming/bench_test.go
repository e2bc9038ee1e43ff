package naming_test

import (
	"strings"
	"testing"

	"github.com/s3conflict/s3conflict/naming"
)

// Goals: Bucket and Key under 1 µs and at most 2 allocations;
// ValidateBucket on a valid 63-character name without allocations.
func BenchmarkBucket(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := naming.Bucket("invoices"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := naming.Key("logs/"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateBucket(b *testing.B) {
	name := strings.Repeat("abcdefghi.", 6) + "xyz" // 63 characters
	if err := naming.ValidateBucket(name); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if naming.ValidateBucket(name) != nil {
			b.Fatal("invalid")
		}
	}
}

func TestValidateBucketDoesNotAllocate(t *testing.T) {
	name := strings.Repeat("abcdefghi.", 6) + "xyz"
	if n := testing.AllocsPerRun(100, func() { _ = naming.ValidateBucket(name) }); n != 0 {
		t.Fatalf("ValidateBucket allocates %v times on a valid name", n)
	}
}
