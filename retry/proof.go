package retry

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// maxVersionsChecked bounds the versions read to find our write.
const maxVersionsChecked = 20

// unsettledSends counts the sends of one pass (the SDK's attempts, in md;
// err is the pass's own answer when md has none) whose answer did not
// prove the write refused: no answer, or a 5xx. A 409 or 412 answer is
// S3's refusal: that send wrote nothing.
func unsettledSends(md middleware.Metadata, err error) int {
	r, ok := awsretry.GetAttemptResults(md)
	if !ok || len(r.Results) == 0 {
		if mayHaveLanded(err) {
			return 1
		}
		return 0
	}
	n := 0
	for _, a := range r.Results {
		if mayHaveLanded(a.Err) {
			n++
		}
	}
	return n
}

// mayHaveLanded reports a send's error that leaves its outcome open.
func mayHaveLanded(err error) bool {
	st := s3err.Status(err)
	return err != nil && (st == 0 || st >= 500)
}

// refused reports an answer that says the write was not made, which
// resolve settles: a 412 (kind PreconditionFailed), or for If-Match a 404
// NoSuchKey — S3's answer when the key has no current object, as after a
// delete (on a versioned bucket, a delete marker may lie over our write).
func (w *write) refused(kind conflict.Kind, err error) bool {
	return kind == conflict.PreconditionFailed || w.ifMatch && s3err.Code(err) == "NoSuchKey"
}

// resolve tells what a refusal (see refused) to the write is: a lost race when every send
// of the call was answered and refused; ours, with the operation's output, when the object (or one of
// its versions) proves that an earlier send landed; ambiguous otherwise.
// client is called only when there is something to read.
func (w *write) resolve(ctx context.Context, client func() *s3.Client) (resolution, any) {
	if w.sends == 0 {
		return lostRace, nil // every send was answered, and refused: a clean lost race
	}
	if len(w.tokens) == 0 && w.etag == "" {
		return ambiguous, nil
	}
	if h := w.find(ctx, client()); h != nil {
		return ours, w.output(h)
	}
	return ambiguous, nil
}

// find returns the current object, or an older version of the key, when
// it proves the write ours; nil otherwise.
func (w *write) find(ctx context.Context, c *s3.Client) *s3.HeadObjectOutput {
	head := func(versionID *string) *s3.HeadObjectOutput {
		in := w.head
		in.VersionId = versionID
		h, err := c.HeadObject(ctx, &in)
		if err != nil {
			return nil
		}
		return h
	}
	cur := head(nil)
	if w.proves(cur) {
		return cur
	}
	// Our write may have landed and been replaced since: on a versioned
	// bucket, look for it among the key's versions. No current object (a
	// delete marker on top, or a delete on an unversioned bucket) tells
	// nothing of versioning: look too.
	if cur != nil && (cur.VersionId == nil || *cur.VersionId == "null") {
		return nil
	}
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: w.head.Bucket, Prefix: w.head.Key,
		MaxKeys: aws.Int32(maxVersionsChecked + 1), ExpectedBucketOwner: w.head.ExpectedBucketOwner})
	if err != nil {
		return nil
	}
	checked := 0
	for _, v := range lv.Versions {
		if aws.ToString(v.Key) != aws.ToString(w.head.Key) || (cur != nil && aws.ToString(v.VersionId) == aws.ToString(cur.VersionId)) {
			continue
		}
		if checked++; checked > maxVersionsChecked {
			break
		}
		if h := head(v.VersionId); w.proves(h) {
			return h
		}
	}
	return nil
}
