package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
)

// call sends op through a real S3 client whose HTTP client answers a.
func call(t testing.TB, op string, a s3stub.Answer) error {
	t.Helper()
	stub := s3stub.New(a)
	c := stub.Client(func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	b, k := aws.String("bucket"), aws.String("key")
	var err error
	switch op {
	case "CreateBucket":
		_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	case "DeleteBucket":
		_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	case "HeadBucket":
		_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	case "PutObject":
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: k, IfNoneMatch: aws.String("*")})
	case "CopyObject":
		_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: k, CopySource: aws.String("src/k")})
	case "CompleteMultipartUpload":
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: aws.String("u1")})
	case "RestoreObject":
		_, err = c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: b, Key: k})
	case "PutBucketVersioning":
		_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	case "PutBucketTagging":
		_, err = c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	default:
		t.Fatalf("no call for %s", op)
	}
	return err
}

func TestClassifyEveryCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op     string
		status int
		code   string
		want   conflict.Kind
	}{
		{"PutBucketTagging", 409, "OperationAborted", conflict.Transient},
		{"CreateBucket", 409, "OperationAborted", conflict.Transient},
		{"PutObject", 409, "ConditionalRequestConflict", conflict.Transient},
		{"CopyObject", 409, "ConditionalRequestConflict", conflict.Transient},
		{"CompleteMultipartUpload", 409, "ConditionalRequestConflict", conflict.RestartUpload},
		{"CreateBucket", 409, "BucketAlreadyExists", conflict.NameTaken},
		{"CreateBucket", 409, "BucketAlreadyOwnedByYou", conflict.AlreadyOwned},
		{"DeleteBucket", 409, "BucketNotEmpty", conflict.NotEmpty},
		{"PutBucketVersioning", 409, "InvalidBucketState", conflict.InvalidState},
		{"PutBucketVersioning", 400, "InvalidBucketState", conflict.InvalidState},
		{"RestoreObject", 409, "RestoreAlreadyInProgress", conflict.InProgress},
		{"PutObject", 412, "PreconditionFailed", conflict.PreconditionFailed},
		{"CreateBucket", 409, "SomethingNewFromAWS", conflict.Unknown},
		{"HeadBucket", 409, "", conflict.Unknown},              // no body: the SDK derives "Conflict"
		{"HeadBucket", 412, "", conflict.PreconditionFailed},   // no body
		{"CreateBucket", 400, "TooManyBuckets", conflict.None}, // not a conflict
		{"DeleteBucket", 403, "AccessDenied", conflict.None},
		{"PutObject", 404, "NoSuchKey", conflict.None},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d/%s", tt.op, tt.status, tt.code), func(t *testing.T) {
			t.Parallel()
			err := call(t, tt.op, s3stub.Error(tt.status, tt.code))
			require.Error(t, err)
			assert.Equal(t, tt.want, conflict.Classify(err), "through *smithy.OperationError")
			assert.Equal(t, tt.want, conflict.Classify(fmt.Errorf("wrapped: %w", err)), "through fmt.Errorf")
			var oe *smithy.OperationError
			require.True(t, errors.As(err, &oe))
			assert.Equal(t, tt.want, conflict.ClassifyOperation(tt.op, oe.Err), "inner error with the operation given")
		})
	}
}

func TestClassifyModeledError(t *testing.T) {
	t.Parallel()
	err := call(t, "CreateBucket", s3stub.Error(409, "BucketAlreadyExists"))
	var modeled *types.BucketAlreadyExists
	require.ErrorAs(t, err, &modeled, "the SDK returns its modeled type")
	assert.Equal(t, conflict.NameTaken, conflict.Classify(err))
	// A modeled error on its own, without any HTTP wrapper.
	assert.Equal(t, conflict.NameTaken, conflict.Classify(&types.BucketAlreadyExists{}))
	assert.Equal(t, conflict.AlreadyOwned, conflict.Classify(&types.BucketAlreadyOwnedByYou{}))
}

func TestClassifyThroughMaxAttemptsError(t *testing.T) {
	t.Parallel()
	inner := call(t, "PutBucketTagging", s3stub.Error(409, "OperationAborted"))
	err := &awsretry.MaxAttemptsError{Attempt: 3, Err: inner}
	assert.Equal(t, conflict.Transient, conflict.Classify(err))
}

func TestClassifyNilAndPlainErrors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, conflict.None, conflict.Classify(nil))
	assert.Equal(t, conflict.None, conflict.Classify(errors.New("409 OperationAborted")), "message text is never read")
	assert.Equal(t, conflict.None, conflict.Classify(context.Canceled))
}

func TestClassifyNeverCallsSuccessAConflict(t *testing.T) {
	t.Parallel()
	// A response error carrying a 2xx status and a conflict code is not a
	// conflict: the answer succeeded.
	assert.Equal(t, conflict.None, conflict.ClassifyOperation("PutObject", statusError{200, "OperationAborted"}))
}

func TestUserRulesComeFirst(t *testing.T) {
	t.Parallel()
	err := call(t, "PutBucketTagging", s3stub.Error(409, "OperationAborted"))
	c := conflict.NewClassifier(
		conflict.Rule{Operation: "PutBucketTagging", Code: "OperationAborted", Kind: conflict.InvalidState},
		conflict.Rule{Code: "SomethingNewFromAWS", Kind: conflict.Transient},
	)
	assert.Equal(t, conflict.InvalidState, c.Classify(err))
	assert.Equal(t, conflict.Transient, conflict.Classify(err), "the package default is untouched")

	unknown := call(t, "CreateBucket", s3stub.Error(409, "SomethingNewFromAWS"))
	assert.Equal(t, conflict.Transient, c.Classify(unknown))

	exclude := conflict.NewClassifier(conflict.Rule{Code: "BucketNotEmpty", Kind: conflict.None})
	assert.Equal(t, conflict.None, exclude.Classify(call(t, "DeleteBucket", s3stub.Error(409, "BucketNotEmpty"))))
}

func TestDefaultRulesIsACopy(t *testing.T) {
	t.Parallel()
	r := conflict.DefaultRules()
	require.NotEmpty(t, r)
	for i := range r {
		r[i].Kind = conflict.None
	}
	assert.NotEqual(t, conflict.None, conflict.DefaultRules()[0].Kind)
	err := call(t, "DeleteBucket", s3stub.Error(409, "BucketNotEmpty"))
	assert.Equal(t, conflict.NotEmpty, conflict.Classify(err))
}

// statusError is an API error with an HTTP status, as a server might give.
type statusError struct {
	status int
	code   string
}

func (e statusError) Error() string                 { return e.code }
func (e statusError) ErrorCode() string             { return e.code }
func (e statusError) ErrorMessage() string          { return e.code }
func (e statusError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }
func (e statusError) HTTPStatusCode() int           { return e.status }
