package conflict

// Rule maps S3 answers to a Kind. Every non-zero field must match for the
// rule to apply; a zero field matches anything. A rule whose Kind is [None]
// is a definite "not a conflict" answer, which lets user rules exclude an
// answer the built-in table would classify.
type Rule struct {
	// Operation is the S3 operation name as the SDK spells it, such as
	// "CreateBucket". Empty matches every operation, including an unknown one.
	Operation string
	// Code is the S3 error code, such as "OperationAborted". Empty matches
	// every code.
	Code string
	// Status is the HTTP status code. Zero matches every status.
	Status int
	// Kind is the answer when the rule matches.
	Kind Kind
}

func (r Rule) matches(op, code string, status int) bool {
	return (r.Operation == "" || r.Operation == op) &&
		(r.Code == "" || r.Code == code) &&
		(r.Status == 0 || r.Status == status)
}

// The S3 error codes this package knows.
const (
	CodeOperationAborted           = "OperationAborted"
	CodeConditionalRequestConflict = "ConditionalRequestConflict"
	CodeBucketAlreadyExists        = "BucketAlreadyExists"
	CodeBucketAlreadyOwnedByYou    = "BucketAlreadyOwnedByYou"
	CodeRestoreAlreadyInProgress   = "RestoreAlreadyInProgress"
	CodeBucketNotEmpty             = "BucketNotEmpty"
	CodeInvalidBucketState         = "InvalidBucketState"
	CodePreconditionFailed         = "PreconditionFailed"
	// CodeConflict is the code the SDK derives from the status line of a
	// 409 answer without a body (every HEAD request).
	CodeConflict = "Conflict"
)

// defaultRules is the built-in table, in the order it is consulted. It is
// never handed out: DefaultRules returns a copy.
var defaultRules = [...]Rule{
	{Operation: "CompleteMultipartUpload", Code: CodeConditionalRequestConflict, Kind: RestartUpload},
	{Code: CodeConditionalRequestConflict, Kind: Transient},
	{Code: CodeOperationAborted, Kind: Transient},
	{Code: CodeBucketAlreadyExists, Kind: NameTaken},
	{Code: CodeBucketAlreadyOwnedByYou, Kind: AlreadyOwned},
	{Code: CodeRestoreAlreadyInProgress, Kind: InProgress},
	{Code: CodeBucketNotEmpty, Kind: NotEmpty},
	// One real server answers InvalidBucketState with 400: match the code
	// whatever the status.
	{Code: CodeInvalidBucketState, Kind: InvalidState},
	{Code: CodePreconditionFailed, Kind: PreconditionFailed},
	{Status: 412, Kind: PreconditionFailed},
	// Any other 409, the body-less "Conflict" included: surface it, never
	// loop on it.
	{Status: 409, Kind: Unknown},
}

// DefaultRules returns a fresh copy of the built-in code table, in the order
// it is consulted. Changing the copy changes nothing else.
func DefaultRules() []Rule {
	out := make([]Rule, len(defaultRules))
	copy(out, defaultRules[:])
	return out
}
