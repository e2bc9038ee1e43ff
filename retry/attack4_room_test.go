package retry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/usermeta"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on e985b83: the write count (WritesMetadataKey) is stamped before
// the lineage and takes its room. An object whose own metadata leaves room
// for the token and one token of lineage (S3's 2 KB, usermeta.Limit) lost
// that one token to the count: a write whose answer is lost, replaced by
// another writer's before the re-read, could then be proven neither way,
// and the update failed with ErrAmbiguousWrite, where before the next
// writer's lineage named it and the update succeeded, once. The count
// proves nothing; the lineage is the proof, and comes first.
func TestAttack4CountLeavesRoomForTheLineage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := conflicttest.NewServer(t)
	plain := srv.Client()
	bucket, key := "room", "k"
	s3test.CreateBucket(t, plain, bucket)
	// Room after the token for the lineage key and one token (16), and a
	// few bytes more, too few for the count to fit beside them.
	room := len(retry.LineageMetadataKey) + 16 + 5
	note := strings.Repeat("x", usermeta.Limit-len("note")-len(retry.TokenMetadataKey)-16-room)
	_, err := plain.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("0"),
		Metadata: map[string]string{"note": note}})
	require.NoError(t, err)
	other := retry.NewUpdater(srv.Client())
	_, err = other.Update(ctx, bucket, key, retry.Incr) // the object now carries a token
	require.NoError(t, err)

	hook := &loseThen{match: putOfK, then: func() {
		_, err := other.Update(ctx, bucket, key, retry.Incr)
		assert.NoError(t, err)
	}}
	u := retry.NewUpdater(srv.Client(func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook }))
	c, err := u.Update(ctx, bucket, key, retry.Incr)
	require.True(t, hook.done.Load(), "the answer was lost after the write landed")
	require.NoError(t, err, "the next writer's lineage names our write")
	assert.True(t, c.Proven)
	assert.Equal(t, "3", get(t, plain, bucket, key), "every update once")
	out, err := plain.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(key)})
	require.NoError(t, err)
	assert.Equal(t, note, out.Metadata["note"], "the user's metadata is kept")
}
