package s3test

import (
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// CountRequests returns a client option that adds every HTTP request the
// client sends (reads, writes, retries) to n.
func CountRequests(n *atomic.Int64) func(*s3.Options) {
	return func(o *s3.Options) { o.HTTPClient = counted{next: o.HTTPClient, n: n} }
}

type counted struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	n *atomic.Int64
}

func (c counted) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.Do(r)
}
