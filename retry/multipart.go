package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// MultipartClient is the part of *s3.Client that UploadMultipart uses.
type MultipartClient interface {
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

var _ MultipartClient = (*s3.Client)(nil)

// Multipart defaults.
const (
	// DefaultPartSize is the size of every part but the last: 8 MiB
	// (S3's minimum is 5 MiB).
	DefaultPartSize = 8 << 20
	// DefaultMaxRestarts caps how often an upload starts again after
	// RestartUpload: 3.
	DefaultMaxRestarts = 3
	// AbortTimeout bounds the abort of a failed upload, which runs even
	// when the caller's context has ended (the parts are billed until
	// then): 10 s.
	AbortTimeout = 10 * time.Second
)

// MultipartUpload is what UploadMultipart uploads.
type MultipartUpload struct {
	// Create names the object (Bucket, Key) and everything else
	// CreateMultipartUpload takes (metadata, content type, checksum...).
	Create *s3.CreateMultipartUploadInput
	// Body is read by offset, so that every restart reads it again from
	// the start: *os.File, *bytes.Reader and *strings.Reader fit, and
	// io.NewSectionReader makes one of any part of an io.ReaderAt.
	Body io.ReaderAt
	// Size is the number of bytes of Body to upload.
	Size int64
	// IfNoneMatch and IfMatch are the conditions of the completion
	// ("*" for create-if-absent).
	IfNoneMatch, IfMatch *string
	// PartSize: 0 means DefaultPartSize (8 MiB).
	PartSize int64
	// MaxRestarts: 0 means DefaultMaxRestarts (3); negative: never restart.
	MaxRestarts int
}

// UploadMultipart uploads up as a multipart upload and completes it. When
// S3 answers the completion with ConditionalRequestConflict (the upload
// raced another conditional write and cannot be completed: conflict kind
// RestartUpload), it aborts the dead upload and starts again from the
// start of Body, up to MaxRestarts times. Whenever it gives up, on any
// error, it aborts the upload it started, so no parts are left billed; when
// even that fails, the error holds an *AbortError naming the upload.
//
// A lost race on the completion's condition is a *conflict.Error of kind
// PreconditionFailed (with OnConflict on the client) or the SDK's 412; after
// the restarts run out, a *conflict.Error of kind RestartUpload whose
// UploadID names the last (aborted) upload, with Reason ErrMaxAttempts.
// When a completion that led to a restart was sent more than once (its
// answer may have been lost after it landed), a 412 to a later completion
// may be our own object's: one HeadObject settles it (c must have
// HeadObject, as *s3.Client does) — success when the object's ETag is the
// multipart ETag of that earlier completion's parts, else a
// PreconditionFailed error with Reason ErrAmbiguousWrite, never a clean
// lost race.
//
// A completion whose answer never came (or came as a 5xx) after the SDK's
// resends may have landed: the upload is aborted, so it cannot land later,
// and the object is read (one HeadObject): success when its ETag is the
// multipart ETag of our parts, else the error as it came.
//
// A CreateMultipartUpload sent more than once (its answer lost, the SDK
// resent it) may leave an upload of the key open that the call cannot tell
// from another writer's: see [StrayUploads].
func UploadMultipart(ctx context.Context, c MultipartClient, up MultipartUpload) (out *s3.CompleteMultipartUploadOutput, err error) {
	if up.Create == nil || aws.ToString(up.Create.Bucket) == "" || aws.ToString(up.Create.Key) == "" {
		return nil, errors.New("s3conflict: UploadMultipart needs Create with a Bucket and a Key")
	}
	if up.Body == nil || up.Size < 0 {
		return nil, errors.New("s3conflict: UploadMultipart needs a Body and a Size of 0 or more")
	}
	partSize, restarts := up.PartSize, up.MaxRestarts
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < 0 || (up.Size+partSize-1)/max(partSize, 1) > 10000 {
		return nil, fmt.Errorf("s3conflict: UploadMultipart: part size %d makes more than S3's 10,000 parts for %d bytes", partSize, up.Size)
	}
	if restarts == 0 {
		restarts = DefaultMaxRestarts
	}
	st := strays{start: time.Now()}
	defer func() { out, err = st.report(ctx, c, up.Create, out, err) }()
	var earlier []string // multipart ETags of earlier completions that may have landed
	for n := 0; ; n++ {
		out, id, done, err := uploadOnce(ctx, c, up, partSize)
		st.saw(id, done.creates)
		if err == nil {
			return out, nil
		}
		if id != "" {
			if aerr := abort(ctx, c, up.Create, id); aerr != nil {
				return nil, errors.Join(err, aerr)
			}
		}
		if st := s3err.Status(err); done.etag != "" && (st == 0 || st >= 500) && ctx.Err() == nil {
			// The completion's answer never came (or was a 5xx): it may
			// have landed. Aborted now, it cannot land later; the object
			// is ours when its ETag is our parts' multipart ETag.
			if out := madeBy(ctx, c, up.Create, []string{done.etag}); out != nil {
				return out, nil
			}
		}
		kind := conflict.Classify(err)
		if kind == conflict.PreconditionFailed && len(earlier) > 0 {
			return settleEarlier(ctx, c, up.Create, earlier, err)
		}
		if kind != conflict.RestartUpload {
			return nil, err
		}
		if done.sends != 1 { // its answer may have been lost after it landed
			earlier = append(earlier, done.etag)
		}
		if n >= restarts {
			ce := conflict.NewError(conflict.RestartUpload, "CompleteMultipartUpload", aws.ToString(up.Create.Bucket), aws.ToString(up.Create.Key), err)
			ce.UploadID, ce.Attempts, ce.Reason = id, n+1, ErrMaxAttempts
			return nil, ce
		}
	}
}

// AbortError says that an upload UploadMultipart gave up on could not be
// aborted: its parts stay billed until someone aborts UploadID.
type AbortError struct {
	Bucket, Key, UploadID string
	Err                   error
}

// Error names the upload left open.
func (e *AbortError) Error() string {
	return fmt.Sprintf("s3conflict: aborting upload %s of s3://%s/%s: %v", e.UploadID, e.Bucket, e.Key, e.Err)
}

// Unwrap returns the abort's own error.
func (e *AbortError) Unwrap() error { return e.Err }

// completion is what UploadMultipart knows of a completion it sent.
type completion struct {
	sends int    // sends of the request, the SDK's resends included (0: not counted)
	etag  string // the multipart ETag of its parts ("" when unknown)
	// creates counts the sends of the upload's CreateMultipartUpload.
	creates int
}

// uploadOnce runs one multipart upload from the start; id is the upload's
// ID once it exists.
func uploadOnce(ctx context.Context, c MultipartClient, up MultipartUpload, partSize int64) (_ *s3.CompleteMultipartUploadOutput, id string, done completion, _ error) {
	var creates atomic.Int32
	created, err := c.CreateMultipartUpload(ctx, up.Create, onSend(func(error) { creates.Add(1) }))
	done.creates = int(creates.Load())
	if err != nil {
		return nil, "", done, err
	}
	id = aws.ToString(created.UploadId)
	var parts []types.CompletedPart
	for off, num := int64(0), int32(1); off < up.Size || num == 1; off, num = off+partSize, num+1 {
		n := min(partSize, up.Size-off)
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: up.Create.Bucket, Key: up.Create.Key, UploadId: &id,
			PartNumber: aws.Int32(num), Body: io.NewSectionReader(up.Body, off, n), ContentLength: aws.Int64(n),
			ChecksumAlgorithm: up.Create.ChecksumAlgorithm, ExpectedBucketOwner: up.Create.ExpectedBucketOwner,
			SSECustomerAlgorithm: up.Create.SSECustomerAlgorithm, SSECustomerKey: up.Create.SSECustomerKey,
			SSECustomerKeyMD5: up.Create.SSECustomerKeyMD5, RequestPayer: up.Create.RequestPayer})
		if err != nil {
			return nil, id, done, err
		}
		part := types.CompletedPart{PartNumber: aws.Int32(num), ETag: p.ETag}
		if up.Create.ChecksumAlgorithm != "" {
			// Only an upload created with an algorithm keeps part
			// checksums; the SDK's default CRC32 on the parts of one
			// created without is checked on upload, and listing it in the
			// completion is answered InvalidPart by some servers.
			part.ChecksumCRC32, part.ChecksumCRC32C, part.ChecksumCRC64NVME = p.ChecksumCRC32, p.ChecksumCRC32C, p.ChecksumCRC64NVME
			part.ChecksumSHA1, part.ChecksumSHA256 = p.ChecksumSHA1, p.ChecksumSHA256
		}
		parts = append(parts, part)
	}
	mu := &types.CompletedMultipartUpload{Parts: parts}
	var sends atomic.Int32
	out, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: up.Create.Bucket,
		Key: up.Create.Key, UploadId: &id, MultipartUpload: mu,
		IfNoneMatch: up.IfNoneMatch, IfMatch: up.IfMatch, ExpectedBucketOwner: up.Create.ExpectedBucketOwner,
		SSECustomerAlgorithm: up.Create.SSECustomerAlgorithm, SSECustomerKey: up.Create.SSECustomerKey,
		SSECustomerKeyMD5: up.Create.SSECustomerKeyMD5, RequestPayer: up.Create.RequestPayer}, onSend(func(error) { sends.Add(1) }))
	return out, id, completion{sends: int(sends.Load()), etag: multipartETag(mu), creates: done.creates}, err
}

// onSend calls f with the outcome of every send of a call: a Finalize
// middleware runs once per attempt of the SDK's retryer. A client that
// ignores options never calls it.
func onSend(f func(err error)) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("s3conflict.CountSends",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleFinalize(ctx, in)
					f(err)
					return out, md, err
				}), middleware.After)
		})
	}
}

// settleEarlier resolves a 412 to the completion of a restarted upload
// when an earlier completion of the same call may have landed (err is that
// 412): the object is ours when its ETag is the multipart ETag of an
// earlier completion's parts; otherwise the 412 may have been our own
// earlier object's, replaced since, and it is ErrAmbiguousWrite — never a
// clean lost race.
func settleEarlier(ctx context.Context, c MultipartClient, in *s3.CreateMultipartUploadInput, etags []string, err error) (*s3.CompleteMultipartUploadOutput, error) {
	if out := madeBy(ctx, c, in, etags); out != nil {
		return out, nil
	}
	ce := conflict.NewError(conflict.PreconditionFailed, "CompleteMultipartUpload", aws.ToString(in.Bucket), aws.ToString(in.Key), err)
	ce.Reason = ErrAmbiguousWrite
	return nil, ce
}

// madeBy returns the completion's output when the object at in's key has
// one of etags (multipart ETags of our completions), read with one
// HeadObject (when c has it, as *s3.Client does); nil otherwise.
func madeBy(ctx context.Context, c MultipartClient, in *s3.CreateMultipartUploadInput, etags []string) *s3.CompleteMultipartUploadOutput {
	type headClient interface {
		HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	}
	h, ok := c.(headClient)
	if !ok {
		return nil
	}
	head := headFor(in.Bucket, in.Key, in.ExpectedBucketOwner, in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5)
	ho, err := h.HeadObject(ctx, &head)
	if err != nil {
		return nil
	}
	if got := strings.Trim(aws.ToString(ho.ETag), `"`); got != "" && slices.Contains(etags, got) {
		return completeOutput(ho).(*s3.CompleteMultipartUploadOutput)
	}
	return nil
}

// abort ends an upload we gave up on, even after ctx ended, within
// AbortTimeout. An upload that did complete (a lost answer) answers
// NoSuchUpload: nothing to abort.
func abort(ctx context.Context, c MultipartClient, in *s3.CreateMultipartUploadInput, id string) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AbortTimeout)
	defer cancel()
	_, err := c.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: &id,
		ExpectedBucketOwner: in.ExpectedBucketOwner, RequestPayer: in.RequestPayer})
	var nsu *types.NoSuchUpload
	if err == nil || errors.As(err, &nsu) || s3err.Code(err) == "NoSuchUpload" {
		return nil
	}
	return &AbortError{Bucket: aws.ToString(in.Bucket), Key: aws.ToString(in.Key), UploadID: id, Err: err}
}
