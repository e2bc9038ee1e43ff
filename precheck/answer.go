package precheck

import (
	"net/http"
	"strconv"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The answers S3 itself gives to the calls the checks refuse (AWS's codes
// and statuses).
const (
	codeBucketNotEmpty     = "BucketNotEmpty"     // 409, DeleteBucket
	codeInvalidBucketState = "InvalidBucketState" // 409, PutBucketVersioning Suspended with Object Lock
	codeAccessDenied       = "AccessDenied"       // 403, deleting a locked version
)

// lockedAnswer is S3's answer to deleting a locked version.
func lockedAnswer() error {
	return s3Answer(codeAccessDenied, http.StatusForbidden, "precheck: the version is locked by Object Lock; the delete was not sent")
}

// s3Answer returns, in the SDK's own error types, the answer S3 would have
// sent to the refused call: errors.As finds smithy.APIError with code,
// *awshttp.ResponseError and *smithyhttp.ResponseError with status, as in
// an SDK error. A refusal carries it in its chain so that code written for
// S3's answer takes the same branch with prechecks on.
func s3Answer(code string, status int, message string) error {
	return s3TypedAnswer(status, &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient})
}

// s3TypedAnswer is s3Answer for an answer the SDK has a type for (such as
// *types.BucketAlreadyOwnedByYou), so that errors.As to that type works too.
func s3TypedAnswer(status int, apiErr smithy.APIError) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status,
			Status: strconv.Itoa(status) + " " + http.StatusText(status), Header: http.Header{}}},
		Err: apiErr,
	}}
}
