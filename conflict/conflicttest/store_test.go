package conflicttest_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/precheck"
)

// entry is one line of a ListObjectVersions answer.
type entry struct {
	Key, VersionID string
	Marker, Latest bool
	Body           string // "" for a delete marker
}

// versions lists a bucket's versions and delete markers, in S3's order
// (keys in order, each key's newest first), with each version's body.
func versions(t *testing.T, c *s3.Client, bucket string) []entry {
	t.Helper()
	ctx := context.Background()
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket})
	require.NoError(t, err)
	var got []entry
	for _, v := range out.Versions {
		got = append(got, entry{Key: *v.Key, VersionID: aws.ToString(v.VersionId), Latest: aws.ToBool(v.IsLatest),
			Body: body(t, c, bucket, *v.Key, v.VersionId)})
	}
	for _, m := range out.DeleteMarkers {
		got = append(got, entry{Key: *m.Key, VersionID: aws.ToString(m.VersionId), Latest: aws.ToBool(m.IsLatest), Marker: true})
	}
	return got
}

// body reads a version (nil: the latest); "<404>" when there is none.
func body(t *testing.T, c *s3.Client, bucket, key string, versionID *string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: versionID})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return "<404>"
	}
	require.NoError(t, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(b)
}

// In a bucket that never had versioning every key has one version, "null",
// and deleting it by that ID — one at a time or in a batch — removes it.
func TestStoreNullVersionDeletes(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "plain")
	s3test.Put(t, c, "plain", "a", "1")
	s3test.Put(t, c, "plain", "b", "2")
	s3test.Put(t, c, "plain", "b", "3")
	assert.Equal(t, []entry{{Key: "a", VersionID: "null", Latest: true, Body: "1"}, {Key: "b", VersionID: "null", Latest: true, Body: "3"}},
		versions(t, c, "plain"), "one version per key")

	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("a"), VersionId: aws.String("null")})
	require.NoError(t, err)
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("plain"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("b"), VersionId: aws.String("null")}}}})
	require.NoError(t, err)
	require.Len(t, out.Deleted, 1)
	assert.Empty(t, versions(t, c, "plain"), "both are gone")
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("plain")})
	assert.NoError(t, err)
}

// Enabling versioning keeps what was there as version "null"; a delete
// without an ID adds a delete marker that hides the key; deleting the
// marker by ID brings the key back; deleting "null" removes only it.
func TestStoreVersionsAfterEnabling(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "docs")
	s3test.Put(t, c, "docs", "k", "before")
	s3test.EnableVersioning(t, c, "docs")
	v1 := aws.ToString(s3test.Put(t, c, "docs", "k", "after").VersionId)
	require.NotEmpty(t, v1)
	require.NotEqual(t, "null", v1)

	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String("k")})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(del.DeleteMarker))
	marker := aws.ToString(del.VersionId)
	assert.Equal(t, []entry{{Key: "k", VersionID: v1, Body: "after"}, {Key: "k", VersionID: "null", Body: "before"},
		{Key: "k", VersionID: marker, Latest: true, Marker: true}}, versions(t, c, "docs"))
	assert.Equal(t, "<404>", body(t, c, "docs", "k", nil), "the marker hides the key")
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("docs")})
	require.NoError(t, err)
	assert.Empty(t, list.Contents)

	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), VersionId: &marker})
	require.NoError(t, err)
	assert.Equal(t, "after", body(t, c, "docs", "k", nil), "without the marker the key is back")
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String("k"), VersionId: aws.String("null")})
	require.NoError(t, err)
	assert.Equal(t, []entry{{Key: "k", VersionID: v1, Latest: true, Body: "after"}}, versions(t, c, "docs"), "only null went")
}

// With versioning suspended a write replaces the "null" version and keeps
// the others; a delete replaces it with a "null" delete marker.
func TestStoreVersionsSuspended(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	s3test.VersionedBucket(t, c, "paused")
	v1 := aws.ToString(s3test.Put(t, c, "paused", "k", "one").VersionId)
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("paused"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	require.NoError(t, err)
	assert.Equal(t, "null", aws.ToString(s3test.Put(t, c, "paused", "k", "two").VersionId))
	s3test.Put(t, c, "paused", "k", "three")
	assert.Equal(t, []entry{{Key: "k", VersionID: "null", Latest: true, Body: "three"}, {Key: "k", VersionID: v1, Body: "one"}},
		versions(t, c, "paused"))

	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("paused"), Key: aws.String("k")})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(del.DeleteMarker))
	assert.Equal(t, "null", aws.ToString(del.VersionId))
	assert.Equal(t, []entry{{Key: "k", VersionID: v1, Body: "one"}, {Key: "k", VersionID: "null", Latest: true, Marker: true}},
		versions(t, c, "paused"))
}

// precheck's EmptyFirst deletes every version and delete marker of a
// versioned bucket on the in-process server, then the bucket.
func TestEmptyFirstOnVersionedBucket(t *testing.T) {
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	for _, name := range []string{"never-versioned", "versioned"} {
		mkBucket(t, c, name)
		s3test.Put(t, c, name, "old", "from before versioning")
		if name == "versioned" {
			s3test.EnableVersioning(t, c, name)
			s3test.Put(t, c, name, "old", "second")
			s3test.Put(t, c, name, "dir/new", "x")
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String("dir/new")})
			require.NoError(t, err)
		}
		require.NotEmpty(t, versions(t, c, name))

		empty := srv.Client(precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
		_, err := empty.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
		require.NoError(t, err, name)
		_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
		var nf *types.NotFound
		assert.ErrorAs(t, err, &nf, "%s is gone", name)
	}
}

// A bucket without multipart uploads lists none (gofakes3 answers 404
// NoSuchUpload there).
func TestStoreListUploads(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "uploads")
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads")})
	require.NoError(t, err)
	assert.Empty(t, out.Uploads)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("uploads"), Key: aws.String("big")})
	require.NoError(t, err)
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("uploads")})
	require.NoError(t, err)
	require.Len(t, out.Uploads, 1)
	assert.Equal(t, aws.ToString(up.UploadId), aws.ToString(out.Uploads[0].UploadId))
}

// DeleteObject with If-Match deletes only the version it names (gofakes3
// alone deletes whatever the ETag).
func TestStoreConditionalDelete(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	mkBucket(t, c, "cond")
	etag := s3test.Put(t, c, "cond", "k", "v1").ETag
	del := func(ifMatch string, versionID *string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"),
			IfMatch: aws.String(ifMatch), VersionId: versionID})
		return err
	}
	err := del(`"0123456789abcdef0123456789abcdef"`, nil)
	assert.Equal(t, conflict.PreconditionFailed, conflict.Classify(err))
	assert.Equal(t, "v1", body(t, c, "cond", "k", nil), "a wrong ETag deletes nothing")
	require.NoError(t, del(aws.ToString(etag), nil))
	assert.Equal(t, "<404>", body(t, c, "cond", "k", nil))
	assert.Equal(t, "NoSuchKey", s3err.Code(del("*", nil)), "nothing to match")

	s3test.EnableVersioning(t, c, "cond")
	v := s3test.Put(t, c, "cond", "k", "v2")
	require.NoError(t, del("*", v.VersionId), "any ETag, that version")
	assert.Empty(t, versions(t, c, "cond"))
}

// CopyObject answers the new version's ID (gofakes3 gives the source's).
func TestStoreCopyVersion(t *testing.T) {
	c := conflicttest.NewServer(t).Client()
	ctx := context.Background()
	s3test.VersionedBucket(t, c, "copies")
	src := s3test.Put(t, c, "copies", "src", "data").VersionId
	out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String("dst"), CopySource: aws.String("copies/src")})
	require.NoError(t, err)
	assert.NotEqual(t, aws.ToString(src), aws.ToString(out.VersionId))
	assert.Equal(t, []entry{{Key: "dst", VersionID: aws.ToString(out.VersionId), Latest: true, Body: "data"},
		{Key: "src", VersionID: aws.ToString(src), Latest: true, Body: "data"}}, versions(t, c, "copies"))
}
