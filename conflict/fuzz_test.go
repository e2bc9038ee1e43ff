package conflict_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3stub"
)

// FuzzClassify sends arbitrary answers (status, body) through the SDK's real
// deserializers: Classify must never panic, a 2xx answer is never a
// conflict, and whatever it decides, the typed error built from it keeps
// the SDK error reachable.
func FuzzClassify(f *testing.F) {
	f.Add(409, "<Error><Code>OperationAborted</Code></Error>", "PutBucketTagging")
	f.Add(409, "", "CreateBucket")
	f.Add(400, "<Error><Code>InvalidBucketState</Code></Error>", "PutBucketVersioning")
	f.Add(412, "<Error><Code>PreconditionFailed</Code>", "PutObject")
	f.Add(409, "<Error><Code>ConditionalRequestConflict</Code></Error>", "CompleteMultipartUpload")
	f.Add(200, "<Error><Code>BucketAlreadyExists</Code></Error>", "CreateBucket")
	f.Add(500, "\x00\xff<", "HeadBucket")
	ops := []string{"CreateBucket", "DeleteBucket", "HeadBucket", "PutObject", "CopyObject",
		"CompleteMultipartUpload", "RestoreObject", "PutBucketVersioning", "PutBucketTagging"}
	f.Fuzz(func(t *testing.T, status int, body, op string) {
		if status < 100 || status > 599 {
			status = 100 + (status%500+500)%500
		}
		if status < 200 {
			status += 100 // 1xx answers are not final answers
		}
		known := false
		for _, o := range ops {
			known = known || o == op
		}
		if !known {
			op = ops[len(op)%len(ops)]
		}
		err := call(t, op, s3stub.Answer{Status: status, Body: body, Header: http.Header{"Content-Type": {"application/xml"}}})
		k := conflict.Classify(err)
		// A 2xx answer is never a conflict. (Newer SDKs turn a 200 whose
		// body is an <Error> document into an error with status 500: then
		// the SDK, not the status line, says it failed.)
		if status < 300 && k != conflict.None && (err == nil || s3err.Status(err) < 300) {
			t.Fatalf("status %d classified as %v", status, k)
		}
		if err == nil {
			if k != conflict.None {
				t.Fatalf("nil error classified as %v", k)
			}
			return
		}
		if k == conflict.None {
			return
		}
		ce := conflict.NewError(k, "", "bucket", "", err)
		if !errors.Is(ce, k) || !errors.Is(ce, err) || ce.Error() == "" {
			t.Fatalf("typed error lost its kind or cause: %v", ce)
		}
	})
}
