package conflicttest

import (
	"net/http"
	"strings"
	"time"
)

// Conditional GetObject and HeadObject, as S3 answers them (RFC 7232):
// If-Match and If-Unmodified-Since fail with 412 PreconditionFailed,
// If-None-Match and If-Modified-Since with 304 Not Modified. gofakes3
// ignores the first two and compares If-None-Match with the MD5 of the
// body, which is not a multipart object's ETag; the server checks all four
// itself, against the ETag and Last-Modified of the version gofakes3
// serves, so that the version checked is the version answered.

// readConditions are a GET's conditions, taken off the request that
// gofakes3 sees.
type readConditions struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

var readConditionHeaders = []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}

// takeReadConditions returns r's conditions and r without them: r itself
// when it has none or when copied (r is already the server's own copy of
// the request, headAsGet's), else a copy.
func takeReadConditions(r *http.Request, copied bool) (*http.Request, readConditions) {
	h := r.Header
	c := readConditions{h.Get("If-Match"), h.Get("If-None-Match"), h.Get("If-Modified-Since"), h.Get("If-Unmodified-Since")}
	if c == (readConditions{}) {
		return r, c
	}
	if !copied {
		r = r.Clone(r.Context())
	}
	for _, k := range readConditionHeaders {
		r.Header.Del(k)
	}
	return r, c
}

// status is the answer the conditions give a version with this ETag and
// Last-Modified: 0 when they hold, else 412 or 304. The order is RFC
// 7232's: If-Unmodified-Since counts only without If-Match, and
// If-Modified-Since only without If-None-Match.
func (c readConditions) status(etag, lastModified string) int {
	modified, modErr := http.ParseTime(lastModified)
	switch {
	case c.ifMatch != "" && !etagListed(c.ifMatch, etag):
		return http.StatusPreconditionFailed
	case c.ifMatch == "" && c.ifUnmodifiedSince != "" && modErr == nil && !notAfter(modified, c.ifUnmodifiedSince):
		return http.StatusPreconditionFailed
	case c.ifNoneMatch != "" && etagListed(c.ifNoneMatch, etag):
		return http.StatusNotModified
	case c.ifNoneMatch == "" && c.ifModifiedSince != "" && modErr == nil && notAfter(modified, c.ifModifiedSince):
		return http.StatusNotModified
	}
	return 0
}

// notAfter reports whether modified is not after the HTTP date since; a
// date that does not parse holds for every time, so that the condition
// is ignored, as RFC 7232 says.
func notAfter(modified time.Time, since string) bool {
	t, err := http.ParseTime(since)
	return err != nil || !modified.After(t)
}

// etagListed reports whether etag is in list ("*": any), quoted or not.
func etagListed(list, etag string) bool {
	etag = strings.Trim(etag, `"`)
	for _, e := range strings.Split(list, ",") {
		e = strings.Trim(strings.TrimPrefix(strings.TrimSpace(e), "W/"), `"`)
		if e == "*" || e == etag {
			return true
		}
	}
	return false
}

// conditionalRead answers a GET's conditions once the headers of the
// version served are known: a failing condition turns a 2xx answer into
// 412 (an S3 error document) or 304 (no body), and what gofakes3 writes
// after that is dropped.
type conditionalRead struct {
	http.ResponseWriter
	b       *bucketConfig
	r       *http.Request // the request as sent (HEAD stays HEAD)
	cond    readConditions
	decided bool
	swallow bool
}

func (c *conditionalRead) written() bool { return c.decided }

func (c *conditionalRead) WriteHeader(status int) {
	if c.decided {
		return
	}
	c.decided = true
	h := c.Header()
	if status/100 != 2 {
		c.ResponseWriter.WriteHeader(status)
		return
	}
	switch c.cond.status(h.Get("ETag"), h.Get("Last-Modified")) {
	case http.StatusPreconditionFailed:
		c.swallow = true
		clear(h)
		c.b.fail(c.ResponseWriter, c.r, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	case http.StatusNotModified:
		c.swallow = true
		for _, k := range []string{"Content-Length", "Content-Range", "Content-Type", "Accept-Ranges"} {
			h.Del(k)
		}
		c.ResponseWriter.WriteHeader(http.StatusNotModified)
	default:
		c.ResponseWriter.WriteHeader(status)
	}
}

func (c *conditionalRead) Write(p []byte) (int, error) {
	if !c.decided {
		c.WriteHeader(http.StatusOK)
	}
	if c.swallow {
		return len(p), nil
	}
	return c.ResponseWriter.Write(p)
}
