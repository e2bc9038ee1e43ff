package conflict

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/s3conflict/s3conflict/internal/s3err"
)

// Error is the one error type this module returns for an S3 conflict. It
// says what happened (Kind, Code, StatusCode), where (Operation, Bucket, Key,
// SampleKey, RequestID, HostID) and after how much effort (Attempts, Elapsed), and wraps
// the last error the SDK returned.
//
// errors.Is(err, k) holds for its Kind k, and errors.As reaches the SDK's
// error types (smithy.APIError, *types.BucketAlreadyExists, ...) through
// Unwrap. An Error is not modified after it is returned and may be shared.
type Error struct {
	Kind       Kind   // the category; never None
	Code       string // the S3 error code, such as "OperationAborted"
	StatusCode int    // the HTTP status, 0 when unknown
	Operation  string // the S3 operation, such as "CreateBucket"
	Bucket     string // the bucket the request named, if any
	Key        string // the object key the request named, if any
	// SampleKey, for NotEmpty, names one key the bucket still holds (a
	// precheck's refusal of DeleteBucket finds one); "" when unknown. It is
	// not a key the request named: Key is.
	SampleKey string
	UploadID  string // the multipart upload, for RestartUpload
	RequestID string // x-amz-request-id of the last answer
	HostID    string // x-amz-id-2 of the last answer
	// Attempts is how many times this module's loop sent the request; 0
	// when nothing was sent (a precheck refused the call before sending).
	Attempts int
	Elapsed  time.Duration
	// CallID is the id that retry's records and events of this call carry
	// (the log's call_id), so that an error returned to the caller can be
	// matched to its log lines; "" when no loop handled the call.
	CallID string
	// Reason says why the loop stopped when it was not the kind's own
	// decision (a body that cannot be rewound, the attempt cap, the budget);
	// nil otherwise. It is also reachable through errors.Is.
	Reason error
	Err    error // the last error from the SDK
}

// NewError returns an Error of kind k for err, with Code, StatusCode,
// RequestID and HostID read from err's chain.
//
// When err already holds an *Error (a precheck's refusal, say), the result
// is a copy of it with k, and with op, bucket and key where they are given.
func NewError(k Kind, op, bucket, key string, err error) *Error {
	var prev *Error
	if errors.As(err, &prev) {
		cp := *prev
		cp.Kind = k
		if op != "" {
			cp.Operation = op
		}
		if bucket != "" {
			cp.Bucket = bucket
		}
		if key != "" {
			cp.Key = key
		}
		return &cp
	}
	e := &Error{Kind: k, Operation: op, Bucket: bucket, Key: key, Attempts: 1, Err: err}
	e.Code, e.StatusCode = codeAndStatus(err)
	e.RequestID, e.HostID = s3err.RequestIDs(err)
	if op == "" {
		e.Operation = OperationOf(err)
	}
	return e
}

// Error returns a short lower-case description, such as
// "create bucket logs-01j: name taken (BucketAlreadyExists, 409)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Operation != "" {
		b.WriteString(words(e.Operation))
	} else {
		b.WriteString("s3 call")
	}
	if e.Bucket != "" {
		b.WriteByte(' ')
		b.WriteString(e.Bucket)
		if e.Key != "" {
			b.WriteByte('/')
			b.WriteString(e.Key)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.SampleKey != "" {
		b.WriteString(" (holds ")
		b.WriteString(strconv.Quote(e.SampleKey))
		b.WriteByte(')')
	}
	if e.Code != "" || e.StatusCode != 0 {
		b.WriteString(" (")
		b.WriteString(e.Code)
		if e.StatusCode != 0 {
			if e.Code != "" {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(e.StatusCode))
		}
		b.WriteByte(')')
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts in ")
		b.WriteString(e.Elapsed.Round(time.Millisecond).String())
	}
	if e.Reason != nil {
		b.WriteString(": ")
		b.WriteString(e.Reason.Error())
	}
	return b.String()
}

// Unwrap returns the reason the loop stopped (if any) and the last SDK
// error.
func (e *Error) Unwrap() []error {
	if e.Reason != nil {
		return []error{e.Reason, e.Err}
	}
	return []error{e.Err}
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k != None && k == e.Kind
}

// words turns "CreateBucket" into "create bucket".
func words(op string) string {
	var b strings.Builder
	for i, r := range op {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
