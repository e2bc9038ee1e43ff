package retry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// TokenMetadataKey is the user-metadata key (x-amz-meta-s3conflict-token)
// that carries the unique token of a conditional PutObject.
//
// Why: when the response of a conditional write is lost, the SDK sends it
// again and the resend is answered 412 — by our own first write. Comparing
// content cannot tell (two writers of identical bytes would both "win"); a
// token unique to the call can. On such a 412 the loop reads the object
// (one HeadObject; on a versioned bucket also ListObjectVersions and one
// HeadObject per older version, at most 20) and reports success when our
// token is there, ErrAmbiguousWrite when it cannot prove either way. A 412
// to the first send costs nothing extra. Options.NoWriteToken turns this
// off (and stores nothing extra).
const TokenMetadataKey = "s3conflict-token"

// maxVersionsChecked bounds the versions read to find our token.
const maxVersionsChecked = 20

// withToken returns a copy of a conditional PutObject input with a fresh
// token in its metadata, and the token.
func withToken(in *s3.PutObjectInput) (*s3.PutObjectInput, string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	cp := *in // never change the caller's input
	cp.Metadata = maps.Clone(in.Metadata)
	if cp.Metadata == nil {
		cp.Metadata = make(map[string]string, 1)
	}
	cp.Metadata[TokenMetadataKey] = token
	return &cp, token
}

// sdkAttempts is the number of times the SDK's own retryer sent the request
// whose metadata is md (1 when unknown).
func sdkAttempts(md middleware.Metadata) int {
	if r, ok := awsretry.GetAttemptResults(md); ok && len(r.Results) > 0 {
		return len(r.Results)
	}
	return 1
}

// proveWrite looks for token on the object in (a 412 after a resend). It
// returns the output of our write when the token is found, or nil.
func proveWrite(ctx context.Context, c *s3.Client, in *s3.PutObjectInput, token string) *s3.PutObjectOutput {
	head := func(versionID *string) *s3.HeadObjectOutput {
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key, VersionId: versionID,
			ExpectedBucketOwner: in.ExpectedBucketOwner, SSECustomerAlgorithm: in.SSECustomerAlgorithm,
			SSECustomerKey: in.SSECustomerKey, SSECustomerKeyMD5: in.SSECustomerKeyMD5})
		if err != nil {
			return nil
		}
		return h
	}
	ours := func(h *s3.HeadObjectOutput) *s3.PutObjectOutput {
		if h == nil || h.Metadata[TokenMetadataKey] != token {
			return nil
		}
		return &s3.PutObjectOutput{ETag: h.ETag, VersionId: h.VersionId, ChecksumCRC32: h.ChecksumCRC32,
			ChecksumCRC32C: h.ChecksumCRC32C, ChecksumSHA1: h.ChecksumSHA1, ChecksumSHA256: h.ChecksumSHA256,
			ServerSideEncryption: h.ServerSideEncryption, SSEKMSKeyId: h.SSEKMSKeyId, Expiration: h.Expiration}
	}
	cur := head(nil)
	if out := ours(cur); out != nil {
		return out
	}
	// Our write may have landed and been replaced since: on a versioned
	// bucket, look for it among the key's versions.
	if cur == nil || cur.VersionId == nil || *cur.VersionId == "null" {
		return nil
	}
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: in.Bucket, Prefix: in.Key,
		MaxKeys: aws.Int32(maxVersionsChecked + 1), ExpectedBucketOwner: in.ExpectedBucketOwner})
	if err != nil {
		return nil
	}
	checked := 0
	for _, v := range lv.Versions {
		if aws.ToString(v.Key) != aws.ToString(in.Key) || aws.ToString(v.VersionId) == aws.ToString(cur.VersionId) {
			continue
		}
		if checked++; checked > maxVersionsChecked {
			break
		}
		if out := ours(head(v.VersionId)); out != nil {
			return out
		}
	}
	return nil
}
