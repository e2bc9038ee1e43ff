package conflict

import "strconv"

// Kind is the category of an S3 answer that decides how to react to it.
//
// A Kind is also an error value: every error this module returns for a
// conflict satisfies errors.Is(err, k) for its Kind. [None] is never returned
// as an error.
type Kind uint8

// The kinds of S3 conflict answers.
const (
	// None: not a conflict (a nil error, a success, or an unrelated failure).
	None Kind = iota
	// Transient: another operation on the same resource is in flight
	// (OperationAborted, ConditionalRequestConflict on PutObject or
	// CopyObject). Sending the same request again later succeeds.
	Transient
	// NameTaken: the bucket name belongs to another account
	// (BucketAlreadyExists). Resending never helps; only another name does.
	NameTaken
	// AlreadyOwned: the bucket exists and is yours (BucketAlreadyOwnedByYou).
	// The wanted state holds.
	AlreadyOwned
	// InProgress: the same restore is already running
	// (RestoreAlreadyInProgress). The wanted state is on its way.
	InProgress
	// NotEmpty: the bucket still holds objects, versions or delete markers
	// (BucketNotEmpty). The state must change before a retry can succeed.
	NotEmpty
	// InvalidState: the request contradicts the bucket's configuration
	// (InvalidBucketState). Terminal.
	InvalidState
	// PreconditionFailed: a conditional write's condition did not hold
	// (412): another writer won. Resending as is never helps.
	PreconditionFailed
	// RestartUpload: a multipart upload can no longer be completed
	// (ConditionalRequestConflict on CompleteMultipartUpload); start a new
	// upload and send every part again.
	RestartUpload
	// Unknown: a 409 whose code is not in the table (including the body-less
	// "Conflict" the SDK derives from the status line).
	Unknown
)

var kindNames = [...]string{
	None:               "none",
	Transient:          "transient",
	NameTaken:          "name taken",
	AlreadyOwned:       "already owned",
	InProgress:         "in progress",
	NotEmpty:           "not empty",
	InvalidState:       "invalid state",
	PreconditionFailed: "precondition failed",
	RestartUpload:      "restart upload",
	Unknown:            "unknown conflict",
}

// String returns the kind's name in lower case, such as "name taken".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error returns the same text as String, so that a Kind can be the target of
// errors.Is.
func (k Kind) Error() string { return k.String() }

// Kinds returns every kind, None first, in declaration order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindNames))
	for k := range kindNames {
		out = append(out, Kind(k))
	}
	return out
}
