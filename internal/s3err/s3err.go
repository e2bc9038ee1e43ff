// Package s3err reads the facts S3 put into an SDK error: the error code,
// the HTTP status and the request IDs. Shared by conflict, retry and
// precheck so that all read them the same way.
package s3err

import (
	"errors"

	smithy "github.com/aws/smithy-go"
)

// Code returns the S3 error code in err's chain, or "".
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Status returns the HTTP status in err's chain, or 0.
func Status(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// RequestIDs returns x-amz-request-id and x-amz-id-2 from err's chain.
func RequestIDs(err error) (requestID, hostID string) {
	var r interface{ ServiceRequestID() string }
	if errors.As(err, &r) {
		requestID = r.ServiceRequestID()
	}
	var h interface{ ServiceHostID() string }
	if errors.As(err, &h) {
		hostID = h.ServiceHostID()
	}
	return requestID, hostID
}
