// Package conflict says what an S3 conflict answer means and what to do about it.
//
// S3 answers HTTP 409 for many unrelated situations — a bucket name taken by
// another account, a bucket you already own, a configuration write racing
// another, a bucket that is not empty — and 412 when a conditional write lost
// a race. The SDK retries none of them. This package turns such an answer into
// a [Kind], the category that decides the reaction, and carries the details in
// one typed [Error].
//
// # Classifying
//
// [Classify] reads any error returned by the AWS SDK for Go v2 S3 client:
// modeled errors such as *types.BucketAlreadyExists, generic API errors,
// errors wrapped by *smithy.OperationError, the SDK's MaxAttemptsError or
// fmt.Errorf("%w"). It looks at the S3 error code, never at message text, and
// at the operation, because one code can mean different things in different
// operations: ConditionalRequestConflict is [Transient] for PutObject and
// CopyObject but [RestartUpload] for CompleteMultipartUpload.
//
// The built-in code table is data: [DefaultRules] hands out a fresh copy,
// and a [Classifier] puts user rules before it (the first matching rule wins).
//
// # Errors
//
// A Kind is itself an error value, so errors.Is(err, conflict.NameTaken) holds
// for every error this module returns about a name-taken answer. [Error]
// carries the code, status, operation, bucket, key, request IDs, the number of
// attempts and the time spent, and unwraps to the last SDK error, so errors.As
// to smithy.APIError keeps working through it.
//
// All values in this package are immutable or copied on use and are safe for
// concurrent use.
package conflict
