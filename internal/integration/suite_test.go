package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/retry"
)

// Re-creating one's own bucket is success. (The in-process server has one
// identity and answers BucketAlreadyExists: not supported there.)
func TestRecreateOwnBucket(t *testing.T) {
	b := versity(t)
	inj := conflicttest.NewInjector(1)
	c := b.client(inj, retry.OnConflict())
	name := s3test.NewBucket(t, c, false)
	out, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name})
	require.NoError(t, err)
	res, ok := retry.ResultOf(out.ResultMetadata)
	require.True(t, ok)
	assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
	assert.Equal(t, 1, res.Attempts, "accepted at once, never resent")
	assert.Equal(t, "BucketAlreadyOwnedByYou", inj.Records()[1].Code)
}

func TestOtherAccountsNameIsTaken(t *testing.T) {
	b := versity(t)
	name := s3test.NewBucket(t, b.other(), false)
	inj := conflicttest.NewInjector(1)
	c := b.client(inj, retry.OnConflict())
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name})
	require.ErrorIs(t, err, conflict.NameTaken)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "BucketAlreadyExists", ce.Code)
	assert.Equal(t, name, ce.Bucket)
	assert.Equal(t, 1, ce.Attempts)
	assert.Equal(t, 1, inj.Count("CreateBucket"), "never retried")
}

func TestBucketNotEmpty(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1)
		c := b.client(inj, retry.OnConflict())
		name := s3test.NewBucket(t, c, false)
		s3test.Put(t, c, name, "keep", "data")
		_, err := c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: &name})
		require.ErrorIs(t, err, conflict.NotEmpty)
		assert.Equal(t, 1, inj.Count("DeleteBucket"))
		_, err = c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &name, Key: aws.String("keep")})
		assert.NoError(t, err, "the data is still there")
	})
}

// Suspending versioning on an Object Lock bucket: versitygw answers 400
// InvalidBucketState (AWS 409); both are InvalidState.
func TestSuspendVersioningOnLockBucket(t *testing.T) {
	b := versity(t)
	c := b.client(nil, retry.OnConflict())
	name := s3test.NewBucket(t, c, true)
	_, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: &name,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	require.ErrorIs(t, err, conflict.InvalidState)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "InvalidBucketState", ce.Code)
	assert.Equal(t, 400, ce.StatusCode)
}

// 20 writers race for one key with If-None-Match: exactly one wins, every
// other is told it lost.
func TestRacingConditionalWriters(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		name := s3test.NewBucket(t, c, false)
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &name, Key: aws.String("leader"),
					Body: strings.NewReader("writer " + string(rune('a'+i))), IfNoneMatch: aws.String("*")})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			assert.ErrorIs(t, err, conflict.PreconditionFailed)
			assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
		}
		assert.Equal(t, 1, wins)
	})
}

// OperationAborted and ConditionalRequestConflict, injected in front of the
// server, are retried to success, and what is stored is exactly what the
// caller gave.
func TestInjectedConflictsRetriedStoreIntact(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1,
			conflicttest.Fault{Operation: "PutObject", Key: "aborted", Code: "OperationAborted", Times: 3},
			conflicttest.Fault{Operation: "PutObject", Key: "raced", Code: "ConditionalRequestConflict", Times: 2},
		)
		c := b.client(inj, retry.OnConflict(fast))
		name := s3test.NewBucket(t, c, false)
		data := make([]byte, 256<<10)
		_, _ = rand.Read(data)
		for _, tc := range []struct {
			key   string
			sends int
			cond  *string
		}{{"aborted", 4, nil}, {"raced", 3, aws.String("*")}} {
			out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &name, Key: aws.String(tc.key),
				Body: bytes.NewReader(data), IfNoneMatch: tc.cond})
			require.NoError(t, err, tc.key)
			res, _ := retry.ResultOf(out.ResultMetadata)
			assert.Equal(t, tc.sends, res.Attempts, tc.key)

			got, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &name, Key: aws.String(tc.key)})
			require.NoError(t, err)
			stored, err := io.ReadAll(got.Body)
			got.Body.Close()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(data, stored), "%s: stored %d bytes, sent %d", tc.key, len(stored), len(data))
			assert.Equal(t, md5hex(data), aws.ToString(got.ETag), tc.key)
			assert.Equal(t, aws.ToString(out.ETag), aws.ToString(got.ETag), tc.key)
		}
	})
}

// A conditional PUT whose response is lost lands; the SDK resends it and
// the resend is answered 412 by our own write. The token in its metadata
// proves it ours: success, not a lost race. A second writer sending the
// identical bytes is never told it won too.
func TestLostResponseOnConditionalPut(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject", Key: "claim", LoseResponse: true, Times: 1})
		c := b.client(inj, retry.OnConflict(fast))
		name := s3test.NewBucket(t, c, false)
		put := func() (*s3.PutObjectOutput, error) {
			return c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &name, Key: aws.String("claim"),
				Body: strings.NewReader("same bytes"), IfNoneMatch: aws.String("*")})
		}
		out, err := put()
		require.NoError(t, err, "our own write is not a lost race")
		res, ok := retry.ResultOf(out.ResultMetadata)
		require.True(t, ok)
		assert.True(t, res.WriteProven)
		assert.Equal(t, md5hex([]byte("same bytes")), aws.ToString(out.ETag))
		recs := inj.Records()
		require.Len(t, recs, 4) // CreateBucket, lost PUT, 412 resend, HeadObject
		assert.True(t, recs[1].Lost)
		assert.Equal(t, 412, recs[2].Status)

		_, err = put()
		require.ErrorIs(t, err, conflict.PreconditionFailed, "the second writer lost, identical bytes or not")
		assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
	})
}

// Without the token, a 412 after a resend cannot be proven either way:
// ambiguous, never a guess.
func TestLostResponseWithoutTokenIsAmbiguous(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Times: 1})
		c := b.client(inj, retry.OnConflict(fast, func(o *retry.Options) { o.NoWriteToken = true }))
		name := s3test.NewBucket(t, c, false)
		_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &name, Key: aws.String("claim"),
			Body: strings.NewReader("v"), IfNoneMatch: aws.String("*")})
		require.ErrorIs(t, err, retry.ErrAmbiguousWrite)
		assert.ErrorIs(t, err, conflict.PreconditionFailed)
	})
}

// On a versioned bucket, our write that another writer has replaced since
// is still found among the versions: we did win.
func TestLostResponseThenReplaced(t *testing.T) {
	b := versity(t)
	plain := b.client(nil)
	name := s3test.NewBucket(t, plain, false)
	s3test.EnableVersioning(t, plain, name)

	// Our first send lands and its response is lost; before the SDK's
	// resend, another writer overwrites the key; the resend gets 412 and
	// the current version is not ours.
	inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "PutObject", Key: "doc", LoseResponse: true, Times: 1})
	var once sync.Once
	c := b.client(nil, retry.OnConflict(fast), func(o *s3.Options) {
		lossy := inj.Client(o.HTTPClient)
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := lossy.Do(r)
			if err != nil {
				once.Do(func() { s3test.Put(t, plain, name, "doc", "theirs") })
			}
			return resp, err
		})
	})
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &name, Key: aws.String("doc"),
		Body: strings.NewReader("ours"), IfNoneMatch: aws.String("*")})
	require.NoError(t, err)
	res, _ := retry.ResultOf(out.ResultMetadata)
	assert.True(t, res.WriteProven)
	require.NotEmpty(t, aws.ToString(out.VersionId))
	got, err := plain.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &name, Key: aws.String("doc"), VersionId: out.VersionId})
	require.NoError(t, err)
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	assert.Equal(t, "ours", string(body), "the version reported is our write")
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// A conditional completion on an existing key is refused, on both servers.
// versitygw v1.8.0 ignores If-None-Match / If-Match on CopyObject's
// destination (it honours only the copy-source conditions); the in-process
// server checks them (conflicttest TestStoreCopyConditions).
func TestConditionsOnComplete(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		ctx := context.Background()
		name := s3test.NewBucket(t, c, false)
		s3test.Put(t, c, name, "dst", "exists")

		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &name, Key: aws.String("dst")})
		require.NoError(t, err)
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &name, Key: aws.String("dst"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
		require.NoError(t, err)
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &name, Key: aws.String("dst"),
			UploadId: up.UploadId, IfNoneMatch: aws.String("*"),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
		assert.ErrorIs(t, err, conflict.PreconditionFailed, "CompleteMultipartUpload If-None-Match")
	})
}

// A conditional delete with a wrong ETag deletes nothing, on both servers.
func TestConditionalDelete(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		c := b.client(nil, retry.OnConflict())
		ctx := context.Background()
		name := s3test.NewBucket(t, c, false)
		s3test.Put(t, c, name, "dst", "exists")
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: aws.String("dst"), IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)})
		assert.ErrorIs(t, err, conflict.PreconditionFailed, "DeleteObject If-Match")
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &name, Key: aws.String("dst")})
		require.NoError(t, err, "the conditional delete with a wrong ETag deleted nothing")
		body, _ := io.ReadAll(got.Body)
		got.Body.Close()
		assert.Equal(t, "exists", string(body))
	})
}

// NameTaken with renaming on: CreateBucket is sent again under a fresh name
// derived from the original, and the final name comes back through the
// output's metadata.
func TestRenameOnNameTaken(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		plain := b.client(nil)
		owner := plain
		if b.other != nil {
			owner = b.other() // someone else's bucket
		}
		taken := s3test.NewBucket(t, owner, false)
		inj := conflicttest.NewInjector(1)
		var events []retry.Event
		c := b.client(inj, retry.OnConflict(func(o *retry.Options) {
			o.Rename = naming.Rename
			o.OnEvent = func(e retry.Event) { events = append(events, e) }
		}))
		in := &s3.CreateBucketInput{Bucket: aws.String(taken)}
		out, err := c.CreateBucket(context.Background(), in)
		require.NoError(t, err)
		final, ok := retry.FinalBucket(out.ResultMetadata)
		require.True(t, ok)
		assert.NotEqual(t, taken, final)
		assert.Equal(t, taken, aws.ToString(in.Bucket), "the caller's input is untouched")
		assert.NoError(t, naming.ValidateBucket(final))
		_, err = c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: &final})
		assert.NoError(t, err, "the renamed bucket exists and is ours")
		assert.Equal(t, 2, inj.Count("CreateBucket"))
		require.Len(t, events, 2, "the rename, then the final record")
		assert.Equal(t, retry.Rename, events[0].Action)
		assert.Equal(t, final, events[0].NewBucket)
		assert.Equal(t, retry.Resolved, events[1].Action)
		assert.Equal(t, final, events[1].Bucket, "resolved under the final name")
	})
}
