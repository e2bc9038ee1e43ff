package precheck_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithy "github.com/aws/smithy-go"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
)

// A refusal reads like S3's own answer (code and status through
// errors.As), and carries this module's kind and details besides. Here an
// S3 stand-in lists one object in the bucket: DeleteBucket is not sent.
func ExampleEnable_refusal() {
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		return s3stub.Answer{Body: `<ListVersionsResult><Version><Key>app.log</Key><VersionId>v1</VersionId></Version></ListVersionsResult>`}
	})
	client := stub.Client(precheck.Enable())
	_, err := client.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("logs")})

	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	var ce *conflict.Error
	if errors.As(err, &ce) {
		fmt.Println(errors.Is(err, conflict.NotEmpty), ce.StatusCode, ce.SampleKey, ce.Attempts)
	}
	fmt.Println(stub.Count(), "request sent: the listing")
	// Output:
	// BucketNotEmpty
	// true 409 app.log 0
	// 1 request sent: the listing
}
