package conflicttest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Request bodies. S3 reads a request's whole body before it acts on it,
// and answers a body that ends before its Content-Length 400
// IncompleteBody. gofakes3 and the server's own XML readers would act on
// what arrived (a well-formed document, then nothing: a completion, a
// DeleteObjects), or answer nothing, which the HTTP server sends as an
// empty 200; so the server reads every body whole before anything acts on
// it, but object data, which the store reads whole itself
// (gofakes3.ReadAll answers IncompleteBody).

const incompleteBodyMessage = "You did not provide the number of bytes specified by the Content-Length HTTP header"

// wholeBody reads r's body whole and reports whether it arrived whole;
// when it did not, it has answered 400 IncompleteBody.
func (b *bucketConfig) wholeBody(w http.ResponseWriter, r *http.Request) bool {
	if !readWhole(r) {
		b.fail(w, r, http.StatusBadRequest, "IncompleteBody", incompleteBodyMessage)
		return false
	}
	return true
}

// readWhole reads r's body into memory and reports whether it arrived
// whole; r is left with what was read. A body read whole already (by the
// Injector's handler, in front of a Fault's latency) is not read again.
func readWhole(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if _, ok := r.Body.(readBody); ok {
		return true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = readBody{bytes.NewReader(body)}
	return true
}

// readBody is a body readWhole read.
type readBody struct{ *bytes.Reader }

func (readBody) Close() error { return nil }

// objectData reports whether r's body is an object's or a part's data
// (PutObject, UploadPart), which the store reads whole itself.
func objectData(r *http.Request, key string, query url.Values) bool {
	if r.Method != http.MethodPut || key == "" || r.Header.Get("X-Amz-Copy-Source") != "" {
		return false
	}
	for q := range query {
		if q != "partNumber" && q != "uploadId" && q != "x-id" && !strings.HasPrefix(strings.ToLower(q), "x-amz-") {
			return false
		}
	}
	return true
}
