package naming_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/s3conflict/s3conflict/naming"
)

func ExampleValidateBucket() {
	err := naming.ValidateBucket("Invoices_2026")
	fmt.Println(errors.Is(err, naming.BucketCharset))
	var ne *naming.Error
	if errors.As(err, &ne) {
		fmt.Println(ne.Rule.ID, ne.Pos)
	}
	fmt.Println(naming.ValidateBucket("invoices-2026"))
	// Output:
	// true
	// bucket-charset 0
	// <nil>
}

// With a fixed clock and entropy the names are reproducible; the package
// functions use the real clock and crypto/rand.
func ExampleGenerator() {
	clock := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	g := naming.NewGenerator(bytes.NewReader(bytes.Repeat([]byte{0x5a}, 64)), clock)
	b, _ := g.Bucket("invoices")
	k1, _ := g.Key("scans/")
	k2, _ := g.Key("scans/")
	fmt.Println(b)
	fmt.Println(k1)
	fmt.Println(k2)
	_, err := g.Bucket("Invoices")
	fmt.Println(err)
	// Output:
	// invoices-01m8997dg05mpjtb9d5mpjt
	// scans/01m8997dg0b9d5mpjtb9d5mpjt
	// scans/01m8997dg0b9d5mpjtb9d5mpjv
	// bucket name prefix "Invoices": a bucket name has only lowercase letters, digits, dots and hyphens (bucket-charset; 'I' at 0)
}
