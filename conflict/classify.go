package conflict

import (
	"errors"

	smithy "github.com/aws/smithy-go"

	"github.com/s3conflict/s3conflict/internal/s3err"
)

// Classifier classifies errors with user rules first and the built-in table
// after them; the first matching rule wins. The zero value uses the built-in
// table alone. A Classifier is immutable and safe for concurrent use.
type Classifier struct {
	rules []Rule
}

// NewClassifier returns a Classifier that consults rules, in order, before
// the built-in table. The slice is copied.
func NewClassifier(rules ...Rule) Classifier {
	c := Classifier{}
	if len(rules) > 0 {
		c.rules = append([]Rule(nil), rules...)
	}
	return c
}

// Classify returns the Kind of err using the built-in table. The operation is
// read from the *smithy.OperationError around err, if any. It returns None for
// nil, for 1xx–3xx answers, and for errors that are not S3 conflicts.
func Classify(err error) Kind {
	return Classifier{}.ClassifyOperation("", err)
}

// ClassifyOperation is Classify for a known operation, for callers that see
// the error before the SDK wraps it in *smithy.OperationError (middleware).
// An empty op falls back to the operation found in err.
func ClassifyOperation(op string, err error) Kind {
	return Classifier{}.ClassifyOperation(op, err)
}

// Classify returns the Kind of err; see the package-level [Classify].
func (c Classifier) Classify(err error) Kind {
	return c.ClassifyOperation("", err)
}

// ClassifyOperation returns the Kind of err in operation op; see the
// package-level [ClassifyOperation].
func (c Classifier) ClassifyOperation(op string, err error) Kind {
	if err == nil {
		return None
	}
	// An error this module made already knows its kind.
	var ce *Error
	if errors.As(err, &ce) && ce.Kind != None {
		return ce.Kind
	}
	if op == "" {
		op = OperationOf(err)
	}
	code, status := codeAndStatus(err)
	if status != 0 && status < 400 {
		return None // a success or a redirect is never a conflict
	}
	if code == "" && status == 0 {
		return None
	}
	for _, r := range c.rules {
		if r.matches(op, code, status) {
			return r.Kind
		}
	}
	for _, r := range defaultRules {
		if r.matches(op, code, status) {
			return r.Kind
		}
	}
	return None
}

// OperationOf returns the operation name of the *smithy.OperationError in
// err's chain, or "".
func OperationOf(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.OperationName
	}
	return ""
}

// codeAndStatus reads the S3 error code and HTTP status from err's chain;
// either may be empty or zero.
func codeAndStatus(err error) (code string, status int) {
	return s3err.Code(err), s3err.Status(err)
}
