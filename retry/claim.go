package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
)

// ClaimLost is the error of a claim someone else made first. errors.Is(err,
// conflict.PreconditionFailed) holds for it.
type ClaimLost struct {
	Bucket, Key string
	Owner       string // the owner the winning claim names
}

// Error names the key and the winner.
func (e *ClaimLost) Error() string {
	return fmt.Sprintf("claim s3://%s/%s: already claimed by %q", e.Bucket, e.Key, e.Owner)
}

// Is makes errors.Is(err, conflict.PreconditionFailed) hold.
func (e *ClaimLost) Is(target error) bool { return target == conflict.PreconditionFailed }

// maxOwner caps an owner's length: it must fit in memory checks, logs and
// error messages comfortably.
const maxOwner = 1024

// Claim creates bucket/key, whose content is owner, only if it does not
// exist yet (If-None-Match: "*"): the exactly-once claim of a job by one
// of many workers, in any number of processes. Exactly one claim of a key
// succeeds; every other gets a *ClaimLost naming the winner (errors.Is
// conflict.PreconditionFailed). A claim whose answer was lost is settled by
// its token, never guessed: won, lost, or ErrAmbiguousWrite when the key
// was deleted meanwhile. Claims of one key through one Updater are
// combined into one write. Read the owner later with Owner.
func (u *Updater) Claim(ctx context.Context, bucket, key, owner string) (Committed, error) {
	if owner == "" || len(owner) > maxOwner || !utf8.ValidString(owner) {
		return Committed{}, fmt.Errorf("s3conflict: claim s3://%s/%s: the owner must be valid UTF-8 of 1 to %d bytes", bucket, key, maxOwner)
	}
	return u.Update(ctx, bucket, key, func(cur []byte, exists bool) ([]byte, error) {
		if exists {
			return nil, &ClaimLost{Bucket: bucket, Key: key, Owner: string(cur)}
		}
		return []byte(owner), nil
	})
}

// Claim is NewUpdater(c, optFns...).Claim(ctx, bucket, key, owner).
func Claim(ctx context.Context, c ObjectClient, bucket, key, owner string, optFns ...func(*UpdateOptions)) (Committed, error) {
	return NewUpdater(c, optFns...).Claim(ctx, bucket, key, owner)
}

// ErrNotClaimed: Owner found no claim at the key.
var ErrNotClaimed = errors.New("not claimed")

// Owner returns the owner named by the claim at bucket/key, or
// ErrNotClaimed when there is none.
func Owner(ctx context.Context, c ObjectClient, bucket, key string) (string, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		if noSuchKey(err) {
			return "", fmt.Errorf("s3conflict: owner of s3://%s/%s: %w", bucket, key, ErrNotClaimed)
		}
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxOwner+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxOwner {
		return "", fmt.Errorf("s3conflict: owner of s3://%s/%s: more than %d bytes, not a claim", bucket, key, maxOwner)
	}
	return string(b), nil
}
