package precheck

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
)

// batchCall is the checker of one DeleteObjects call with
// LockedVersionBatch on, registered on that call's stack. It decides the
// request at the first pass and sends that same request on every later
// pass of the retry loop: the SDK keeps the checksum of the first pass's
// body on the stack, so a body that changed between passes would go out
// with a stale checksum (S3: BadDigest). Used by one call, one pass at a
// time.
type batchCall struct {
	*checker
	decided bool
	params  *s3.DeleteObjectsInput // the request to send; nil: every key refused
	refused []types.Error
}

// HandleInitialize decides (first pass) or reuses (later passes) the
// request, sends it, and adds the refused keys to the output's Errors.
func (b *batchCall) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	p, ok := in.Parameters.(*s3.DeleteObjectsInput)
	if !ok || p.Delete == nil {
		return next.HandleInitialize(ctx, in)
	}
	if !b.decided {
		b.params, b.refused = b.decide(ctx, p)
		b.decided = true
	}
	if b.params == nil {
		return middleware.InitializeOutput{Result: &s3.DeleteObjectsOutput{Errors: append([]types.Error(nil), b.refused...)}},
			middleware.Metadata{}, nil
	}
	in.Parameters = b.params
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil || len(b.refused) == 0 {
		return out, md, err
	}
	if res, ok := out.Result.(*s3.DeleteObjectsOutput); ok {
		res.Errors = append(res.Errors, b.refused...)
	}
	return out, md, nil
}

// decide checks each versioned key of in: locked ones are left out of the
// request and reported as S3 reports them, with code "AccessDenied". It
// returns in itself when nothing is refused, a copy without the refused
// keys otherwise (never the caller's input changed), or nil when every key
// is refused.
func (b *batchCall) decide(ctx context.Context, in *s3.DeleteObjectsInput) (*s3.DeleteObjectsInput, []types.Error) {
	bucket := aws.ToString(in.Bucket)
	bypass := aws.ToBool(in.BypassGovernanceRetention)
	var keep []types.ObjectIdentifier
	var refused []types.Error
	for _, id := range in.Delete.Objects {
		if id.VersionId == nil {
			keep = append(keep, id)
			continue
		}
		ev := Event{Check: "LockedVersionBatch", Operation: "DeleteObjects", Bucket: bucket, Key: aws.ToString(id.Key), VersionID: aws.ToString(id.VersionId)}
		if lerr := b.locked(ctx, bucket, aws.ToString(id.Key), aws.ToString(id.VersionId), bypass, &ev.Requests); lerr != nil {
			lerr.Operation = "DeleteObjects"
			_ = b.refuse(ctx, ev, lerr)
			refused = append(refused, types.Error{Key: id.Key, VersionId: id.VersionId, Code: aws.String(codeAccessDenied), Message: aws.String(lerr.Error())})
			continue
		}
		keep = append(keep, id)
	}
	switch {
	case len(refused) == 0:
		return in, nil
	case len(keep) == 0:
		return nil, refused
	}
	cp := *in
	del := *in.Delete
	del.Objects = keep
	cp.Delete = &del
	return &cp, refused
}
