package retry

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// TokenMetadataKey is the user-metadata key (x-amz-meta-s3conflict-token)
// that carries the unique token of a conditional write: a PutObject with
// IfMatch or IfNoneMatch, and a CopyObject with those conditions and
// MetadataDirective REPLACE (with COPY, S3 takes the copy's metadata from
// the source and ignores the request's, so there is no token).
//
// Why: when the response of a conditional write is lost, the write is sent
// again (by the SDK's retryer, or by this loop after a 409) and the resend
// is answered 412 — by our own first write. Comparing content cannot tell
// (two writers of identical bytes would both "win"); a token unique to the
// call can. When a call has sent its write more than once in all (every
// pass of the loop and every resend of the SDK counted), a 412 (or, with
// If-Match, a 404 NoSuchKey: the key was deleted since) makes the loop read
// the object (one HeadObject; when the key has no current object or the
// bucket is versioned also ListObjectVersions and one HeadObject per older
// version, at most 20, so a version beneath a delete marker is found) and
// report success when our token is there, ErrAmbiguousWrite when it cannot
// prove either way. A 412 to a call's only send costs nothing extra.
// CompleteMultipartUpload carries no token (its metadata was set when the
// upload was created): it is proven when the object's ETag is the
// multipart ETag of the call's parts.
//
// The token adds 48 bytes of user metadata (16 for the key, 32 for the
// value). S3 limits a request's user-defined metadata to 2 KB, counted as
// the sum of the UTF-8 bytes of every key and value; when the caller's
// metadata leaves less room than that, the write is sent without a token
// (and a 412 after a resend is then reported as ambiguous).
// Options.NoWriteToken turns the token off (and stores nothing extra).
const TokenMetadataKey = "s3conflict-token"

// tokenLen is the length of a token: 16 random bytes in hex.
const tokenLen = 32

// write is a conditional write in flight (PutObject, CopyObject or
// CompleteMultipartUpload with IfMatch or IfNoneMatch): what can prove,
// after a 412, that an earlier send of the same call landed.
type write struct {
	// head reads the object the write makes.
	head s3.HeadObjectInput
	// tokens are the call's token and, inside Do, those of the same write's
	// earlier failed calls; empty when none could be set.
	tokens []string
	// etag is, for CompleteMultipartUpload, the multipart ETag of the
	// call's parts (unquoted); empty when unknown.
	etag string
	// sends counts the sends of the call, all passes and the SDK's resends
	// included, whose answer did not prove the write refused (see
	// unsettledSends): the ones that may have landed.
	sends int
	// ifMatch: the write has an If-Match condition, which S3 answers 404
	// NoSuchKey (not 412) when the key has no current object.
	ifMatch bool
	// output makes the operation's output from the object that proved the
	// write ours.
	output func(*s3.HeadObjectOutput) any
}

// conditional returns the write that params make when they are a
// conditional write, and the params to send: a copy carrying the token when
// one is set (the caller's input is never changed). For any other input it
// returns nil and params unchanged, without allocating.
func conditional(params any, noToken bool) (*write, any) {
	switch in := params.(type) {
	case *s3.PutObjectInput:
		if in.IfMatch == nil && in.IfNoneMatch == nil {
			return nil, params
		}
		w := &write{head: headFor(in.Bucket, in.Key, in.ExpectedBucketOwner, in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5), output: putOutput, ifMatch: in.IfMatch != nil}
		if md, ok := w.token(in.Metadata, noToken); ok {
			cp := *in
			cp.Metadata = md
			params = &cp
		}
		return w, params
	case *s3.CopyObjectInput:
		if in.IfMatch == nil && in.IfNoneMatch == nil {
			return nil, params
		}
		w := &write{head: headFor(in.Bucket, in.Key, in.ExpectedBucketOwner, in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5), output: copyOutput, ifMatch: in.IfMatch != nil}
		if in.MetadataDirective == types.MetadataDirectiveReplace {
			if md, ok := w.token(in.Metadata, noToken); ok {
				cp := *in
				cp.Metadata = md
				params = &cp
			}
		}
		return w, params
	case *s3.CompleteMultipartUploadInput:
		if in.IfMatch == nil && in.IfNoneMatch == nil {
			return nil, params
		}
		return &write{head: headFor(in.Bucket, in.Key, in.ExpectedBucketOwner, in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5), etag: multipartETag(in.MultipartUpload), output: completeOutput,
			ifMatch: in.IfMatch != nil}, params
	}
	return nil, params
}

// headFor is the HeadObject that reads back a write to bucket and key,
// with the write's owner check and SSE-C key.
func headFor(bucket, key, owner, sseAlgorithm, sseKey, sseKeyMD5 *string) s3.HeadObjectInput {
	return s3.HeadObjectInput{Bucket: bucket, Key: key, ExpectedBucketOwner: owner,
		SSECustomerAlgorithm: sseAlgorithm, SSECustomerKey: sseKey, SSECustomerKeyMD5: sseKeyMD5}
}

// token returns a copy of md with a fresh token, and records the token;
// ok is false when tokens are off or the token would not fit S3's limit.
func (w *write) token(md map[string]string, off bool) (_ map[string]string, ok bool) {
	if off || usermeta.Size(md)+len(TokenMetadataKey)+tokenLen > usermeta.Limit {
		return nil, false
	}
	var b [tokenLen / 2]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	cp := maps.Clone(md)
	if cp == nil {
		cp = make(map[string]string, 1)
	}
	cp[TokenMetadataKey] = token
	w.tokens = append(w.tokens, token)
	return cp, true
}

// multipartETag is the ETag S3 gives an object completed from parts: the
// MD5 of the parts' binary MD5s, then "-" and the number of parts. It is
// empty when a part's ETag is not an MD5 (SSE-KMS, SSE-C), so unprovable.
func multipartETag(mu *types.CompletedMultipartUpload) string {
	if mu == nil || len(mu.Parts) == 0 {
		return ""
	}
	h := md5.New()
	for _, p := range mu.Parts {
		if p.ETag == nil {
			return ""
		}
		sum, err := hex.DecodeString(strings.Trim(*p.ETag, `"`))
		if err != nil || len(sum) != md5.Size {
			return ""
		}
		h.Write(sum)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(mu.Parts))
}

// proves reports whether the object h was made by this call.
func (w *write) proves(h *s3.HeadObjectOutput) bool {
	if h == nil {
		return false
	}
	if w.etag != "" && h.ETag != nil && strings.Trim(*h.ETag, `"`) == w.etag {
		return true
	}
	got, ok := h.Metadata[TokenMetadataKey]
	if !ok {
		return false
	}
	for _, t := range w.tokens {
		if t == got {
			return true
		}
	}
	return false
}

func putOutput(h *s3.HeadObjectOutput) any {
	return &s3.PutObjectOutput{ETag: h.ETag, VersionId: h.VersionId, ChecksumCRC32: h.ChecksumCRC32,
		ChecksumCRC32C: h.ChecksumCRC32C, ChecksumSHA1: h.ChecksumSHA1, ChecksumSHA256: h.ChecksumSHA256,
		ServerSideEncryption: h.ServerSideEncryption, SSEKMSKeyId: h.SSEKMSKeyId, Expiration: h.Expiration}
}

func copyOutput(h *s3.HeadObjectOutput) any {
	return &s3.CopyObjectOutput{CopyObjectResult: &types.CopyObjectResult{ETag: h.ETag, LastModified: h.LastModified,
		ChecksumCRC32: h.ChecksumCRC32, ChecksumCRC32C: h.ChecksumCRC32C, ChecksumSHA1: h.ChecksumSHA1,
		ChecksumSHA256: h.ChecksumSHA256}, VersionId: h.VersionId, ServerSideEncryption: h.ServerSideEncryption,
		SSEKMSKeyId: h.SSEKMSKeyId, Expiration: h.Expiration}
}

func completeOutput(h *s3.HeadObjectOutput) any {
	return &s3.CompleteMultipartUploadOutput{ETag: h.ETag, VersionId: h.VersionId, ChecksumCRC32: h.ChecksumCRC32,
		ChecksumCRC32C: h.ChecksumCRC32C, ChecksumSHA1: h.ChecksumSHA1, ChecksumSHA256: h.ChecksumSHA256,
		ServerSideEncryption: h.ServerSideEncryption, SSEKMSKeyId: h.SSEKMSKeyId, Expiration: h.Expiration}
}
