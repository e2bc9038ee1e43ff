package retry_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/usermeta"
	"github.com/s3conflict/s3conflict/retry"
)

const tokenHeader = "X-Amz-Meta-S3conflict-Token"

// Our first send lands and its response is lost; the SDK resends and is
// answered 409 ConditionalRequestConflict; the loop (or Do's next pass)
// resends and is answered 412 — by our own write. Counting every send of
// the call (three, over two passes) proves it ours by the token: success,
// never "another writer won"; without a token, ambiguous.
func TestOwnWriteAfterResendAnd409IsNotALostRace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		noToken, inDo bool
	}{
		{"token proves it", false, false}, {"no token: ambiguous", true, false},
		{"in Do, the token of pass 1 proves it", false, true}, {"in Do, no token: ambiguous", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := conflicttest.NewServer(t, conflicttest.WithFaults(
				conflicttest.Fault{Operation: "PutObject", Key: "claim", LoseResponse: true, Times: 1},
				conflicttest.Fault{Operation: "PutObject", Key: "claim", Code: "ConditionalRequestConflict", Times: 1},
			))
			c := srv.Client(s3test.QuickSDKRetries, retry.OnConflict(fast, func(o *retry.Options) { o.NoWriteToken = tc.noToken }))
			_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("claims")})
			require.NoError(t, err)
			var out *s3.PutObjectOutput
			put := func(ctx context.Context) (err error) {
				out, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("claims"), Key: aws.String("claim"),
					Body: strings.NewReader("ours"), IfNoneMatch: aws.String("*")})
				return err
			}
			if tc.inDo {
				err = retry.Do(context.Background(), put, fast)
			} else {
				err = put(context.Background())
			}
			var statuses []int
			for _, r := range srv.Faults.Records() {
				if r.Operation == "PutObject" {
					statuses = append(statuses, r.Status)
				}
			}
			require.Equal(t, []int{0, 409, 412}, statuses, "lost, 409 to the SDK's resend, 412 to the next pass")
			if tc.noToken {
				require.ErrorIs(t, err, retry.ErrAmbiguousWrite, "unprovable: ambiguous, never a lost race")
				assert.ErrorIs(t, err, conflict.PreconditionFailed)
				return
			}
			require.NoError(t, err, "our own write is not a lost race")
			res, ok := retry.ResultOf(out.ResultMetadata)
			require.True(t, ok)
			assert.True(t, res.WriteProven)
			sum := md5.Sum([]byte("ours"))
			assert.Equal(t, `"`+hex.EncodeToString(sum[:])+`"`, aws.ToString(out.ETag))
		})
	}
}

// head answers a HeadObject with an ETag and, when token is set, the token
// header.
func head(etag, token string) s3stub.Answer {
	h := http.Header{"Etag": {etag}, "Content-Length": {"0"}}
	if token != "" {
		h.Set(tokenHeader, token)
	}
	return s3stub.Answer{Header: h}
}

// resentThen412 answers the first request of a write 500 (the SDK resends
// it), the second 409 OperationAborted (the loop resends it), the third 412;
// a HeadObject gets answer(headers of the first write request).
func resentThen412(answer func(first http.Header) s3stub.Answer) *s3stub.Stub {
	var first http.Header
	writes := 0
	return s3stub.NewFunc(func(n int, r *http.Request) s3stub.Answer {
		if r.Method == http.MethodHead {
			return answer(first)
		}
		writes++
		switch writes {
		case 1:
			first = r.Header.Clone()
			return s3stub.Error(500, "InternalError")
		case 2:
			return s3stub.Error(409, "OperationAborted")
		}
		return s3stub.Error(412, "PreconditionFailed")
	})
}

// CopyObject and CompleteMultipartUpload with conditions: a 412 after a
// resend is ours when proven (a token in a REPLACE copy's metadata; the
// multipart ETag of our parts), and otherwise ambiguous — never a clean
// lost race.
func TestCopyAndCompleteAfterResend(t *testing.T) {
	t.Parallel()
	parts := [][]byte{[]byte("part one"), []byte("part two")}
	var completed []types.CompletedPart
	var cat []byte
	for i, p := range parts {
		s := md5.Sum(p)
		cat = append(cat, s[:]...)
		completed = append(completed, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: aws.String(`"` + hex.EncodeToString(s[:]) + `"`)})
	}
	whole := md5.Sum(cat)
	multipartETag := `"` + hex.EncodeToString(whole[:]) + `-2"`
	other := `"0123456789abcdef0123456789abcdef"`

	copyIn := func(d types.MetadataDirective) func(c *s3.Client) (any, error) {
		return func(c *s3.Client) (any, error) {
			return c.CopyObject(context.Background(), &s3.CopyObjectInput{Bucket: aws.String("b"), Key: aws.String("dst"),
				CopySource: aws.String("b/src"), IfNoneMatch: aws.String("*"), MetadataDirective: d,
				Metadata: map[string]string{"owner": "me"}})
		}
	}
	complete := func(c *s3.Client) (any, error) {
		return c.CompleteMultipartUpload(context.Background(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("b"),
			Key: aws.String("big"), UploadId: aws.String("up-1"), IfNoneMatch: aws.String("*"),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	}
	for _, tc := range []struct {
		name   string
		call   func(*s3.Client) (any, error)
		head   func(first http.Header) s3stub.Answer
		proven bool
	}{
		{"copy REPLACE, our token", copyIn(types.MetadataDirectiveReplace),
			func(h http.Header) s3stub.Answer { return head(other, h.Get(tokenHeader)) }, true},
		{"copy REPLACE, another token", copyIn(types.MetadataDirectiveReplace),
			func(http.Header) s3stub.Answer { return head(other, "someone-else") }, false},
		{"copy COPY: no token can be set", copyIn(types.MetadataDirectiveCopy),
			func(h http.Header) s3stub.Answer { return head(other, h.Get(tokenHeader)) }, false},
		{"complete, our parts' ETag", complete, func(http.Header) s3stub.Answer { return head(multipartETag, "") }, true},
		{"complete, another ETag", complete, func(http.Header) s3stub.Answer { return head(other, "") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stub := resentThen412(tc.head)
			out, err := tc.call(stub.Client(s3test.QuickSDKRetries, retry.OnConflict(fast)))
			writes := 0
			for _, r := range stub.Requests() {
				if r.Method != http.MethodHead {
					writes++
				}
			}
			require.Equal(t, 3, writes, "sent three times: SDK resend, loop resend")
			if !tc.proven {
				require.ErrorIs(t, err, retry.ErrAmbiguousWrite, "unproven after a resend: ambiguous, not a lost race")
				assert.ErrorIs(t, err, conflict.PreconditionFailed)
				return
			}
			require.NoError(t, err)
			switch o := out.(type) {
			case *s3.CopyObjectOutput:
				require.NotNil(t, o.CopyObjectResult)
				assert.Equal(t, other, aws.ToString(o.CopyObjectResult.ETag))
				res, _ := retry.ResultOf(o.ResultMetadata)
				assert.True(t, res.WriteProven)
			case *s3.CompleteMultipartUploadOutput:
				assert.Equal(t, multipartETag, aws.ToString(o.ETag))
				res, _ := retry.ResultOf(o.ResultMetadata)
				assert.True(t, res.WriteProven)
			}
		})
	}
}

// The token never pushes a write over S3's 2 KB metadata limit: when the
// caller's metadata leaves no room, the write goes without it, and a 412
// after a resend (the first send answered 500: it may have landed) is then
// ambiguous.
func TestTokenSkippedNearMetadataLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		size      int // of the caller's metadata
		wantToken bool
	}{{"fits with the token", 2048 - 48, true}, {"fits only without it", 2048 - 47, false}, {"small", 10, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			meta := map[string]string{"note": strings.Repeat("x", tc.size-len("note"))}
			stub := s3stub.New(s3stub.Error(500, "InternalError"), s3stub.Error(412, "PreconditionFailed"))
			stub.Default = head(`"x"`, "")
			c := stub.Client(retry.OnConflict(fast))
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"),
				Body: bytes.NewReader([]byte("v")), IfNoneMatch: aws.String("*"), Metadata: meta})
			reqs := stub.Requests()
			require.GreaterOrEqual(t, len(reqs), 2)
			for _, r := range reqs[:2] {
				assert.LessOrEqual(t, usermeta.HeaderSize(r.Header), usermeta.Limit, "within S3's limit")
				assert.Equal(t, tc.wantToken, r.Header.Get(tokenHeader) != "")
			}
			assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "a 412 after a resend is never a clean lost race")
		})
	}
}

// A create-if-absent meets ConditionalRequestConflict (S3's refusal: that
// send wrote nothing), is sent again, and is refused 412: the key exists.
// Every send was answered and refused: a clean lost race, settled without
// reading the object. It used to be ErrAmbiguousWrite after a HeadObject:
// every send counted as possibly landed (a user's 16-writer race: 115 of
// 120 losers told ambiguous).
func TestRefusedSendsMakeACleanLostRace(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	c := srv.Client(retry.OnConflict(fast))
	bucket := s3test.NewBucket(t, c, false)
	s3test.Put(t, c, bucket, "k", "theirs")
	seeded := srv.Faults.Count("PutObject")
	srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Key: "k", Code: "ConditionalRequestConflict", Times: 1})
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"),
		Body: strings.NewReader("ours"), IfNoneMatch: aws.String("*")})
	require.ErrorIs(t, err, conflict.PreconditionFailed)
	assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
	assert.Equal(t, 2, srv.Faults.Count("PutObject")-seeded, "the 409 and the 412")
	assert.Zero(t, srv.Faults.Count("HeadObject"), "nothing to prove")
	assert.Equal(t, "theirs", s3test.Get(t, c, bucket, "k"))
}
