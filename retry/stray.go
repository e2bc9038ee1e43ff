package retry

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// StrayUploads names in-progress multipart uploads of the key that
// UploadMultipart may have started and left open: when its
// CreateMultipartUpload was sent more than once (a response lost, the
// SDK's retryer resent it), each extra send that reached S3 started an
// upload whose ID the call never heard of.
//
// UploadMultipart does not abort them, and cannot tell which they are:
// S3's ListMultipartUploads gives only the key, the upload ID, the
// initiation time, the initiator and owner (the credentials' principal,
// shared by every writer with the same credentials), the storage class
// and checksum settings — nothing unique to a call (an upload's metadata
// is not readable before completion). Aborting by key and time would
// abort another writer's upload in progress, destroying its parts. So
// UploadIDs lists every other in-progress upload of the key initiated
// since 15 minutes before the call started (the clock skew SigV4
// tolerates), one ListMultipartUploads (more pages only for more than
// 1000 uploads of the key) sent only after a resent create; the caller,
// who knows whether anyone else writes the key, may abort them. On every
// bucket written with UploadMultipart set a lifecycle rule with
// AbortIncompleteMultipartUpload (DaysAfterInitiation 1, for example): it
// ends whatever a lost response leaves behind.
//
// On success it is in the output's ResultMetadata ([StrayUploadsOf]); on
// failure in the error's chain (errors.As). It is absent when no create
// was resent or no other upload of the key was found, and when c lacks
// ListMultipartUploads (*s3.Client has it).
type StrayUploads struct {
	Bucket, Key string
	UploadIDs   []string
}

// Error says how many uploads may have been left open.
func (s *StrayUploads) Error() string {
	return "s3conflict: a resent CreateMultipartUpload may have left open " + strconv.Itoa(len(s.UploadIDs)) +
		" upload(s) of s3://" + s.Bucket + "/" + s.Key + "; they were not aborted: another writer's cannot be told apart"
}

type strayKey struct{}

// StrayUploadsOf returns the uploads UploadMultipart may have left open,
// from its output's ResultMetadata; ok is false when there are none.
func StrayUploadsOf(md middleware.Metadata) (s *StrayUploads, ok bool) {
	s, ok = md.Get(strayKey{}).(*StrayUploads)
	return s, ok
}

// strayMaxSkew is how long before the call an upload it started may seem
// initiated: the clock skew SigV4 accepts.
const strayMaxSkew = 15 * time.Minute

// strays tracks, over one UploadMultipart, whether a create was resent and
// which upload IDs are the call's own.
type strays struct {
	start  time.Time
	resent bool
	own    []string
}

// saw records one create: its upload ID ("" when none) and its sends.
func (s *strays) saw(id string, sends int) {
	s.resent = s.resent || sends > 1
	if id != "" {
		s.own = append(s.own, id)
	}
}

// report adds the uploads that may have been left open to the call's
// output or error.
func (s *strays) report(ctx context.Context, c MultipartClient, in *s3.CreateMultipartUploadInput,
	out *s3.CompleteMultipartUploadOutput, err error,
) (*s3.CompleteMultipartUploadOutput, error) {
	if !s.resent {
		return out, err
	}
	type lister interface {
		ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
	}
	l, ok := c.(lister)
	if !ok {
		return out, err
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AbortTimeout)
	defer cancel()
	found := &StrayUploads{Bucket: aws.ToString(in.Bucket), Key: aws.ToString(in.Key)}
	li := &s3.ListMultipartUploadsInput{Bucket: in.Bucket, Prefix: in.Key, ExpectedBucketOwner: in.ExpectedBucketOwner,
		RequestPayer: in.RequestPayer}
	for {
		lo, lerr := l.ListMultipartUploads(lctx, li)
		if lerr != nil {
			break
		}
		for _, u := range lo.Uploads {
			id := aws.ToString(u.UploadId)
			if aws.ToString(u.Key) != found.Key || slices.Contains(s.own, id) ||
				(u.Initiated != nil && u.Initiated.Before(s.start.Add(-strayMaxSkew))) {
				continue
			}
			found.UploadIDs = append(found.UploadIDs, id)
		}
		if !aws.ToBool(lo.IsTruncated) || aws.ToString(lo.NextKeyMarker) != found.Key ||
			aws.ToString(lo.NextUploadIdMarker) == aws.ToString(li.UploadIdMarker) {
			break // done, past the key, or a listing that does not advance
		}
		li.KeyMarker, li.UploadIdMarker = lo.NextKeyMarker, lo.NextUploadIdMarker
	}
	if len(found.UploadIDs) == 0 {
		return out, err
	}
	if err != nil {
		return out, errors.Join(err, found)
	}
	out.ResultMetadata.Set(strayKey{}, found)
	return out, nil
}
