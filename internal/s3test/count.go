package s3test

import (
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CountRequests returns a client option that adds every HTTP request the
// client sends (reads, writes, retries) to n.
func CountRequests(n *atomic.Int64) func(*s3.Options) {
	return func(o *s3.Options) {
		next := o.HTTPClient
		o.HTTPClient = smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return next.Do(r)
		})
	}
}
