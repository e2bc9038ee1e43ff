package precheck

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/internal/stackid"
	"github.com/s3conflict/s3conflict/naming"
)

// API is what the checks call: the subset of *s3.Client they use.
type API interface {
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	ListObjectVersions(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetObjectLockConfiguration(context.Context, *s3.GetObjectLockConfigurationInput, ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
	GetObjectRetention(context.Context, *s3.GetObjectRetentionInput, ...func(*s3.Options)) (*s3.GetObjectRetentionOutput, error)
	GetObjectLegalHold(context.Context, *s3.GetObjectLegalHoldInput, ...func(*s3.Options)) (*s3.GetObjectLegalHoldOutput, error)
}

var _ API = (*s3.Client)(nil)

// Enable returns an s3.Client option that runs the checks the Options
// choose before the calls they guard; with no arguments, the default checks
// (CreateBucket, DeleteBucket, locked versions, suspending versioning on an
// Object Lock bucket).
//
// It composes with retry.OnConflict in either order: the retry loop stays
// outermost, so every pass (a rename, say) is checked again. The checks'
// own requests go through a client built from this client's options as they
// are at the first check; per-call option overrides are not visible to them.
// That client has none of this module's middlewares: no recursion, no
// retries of their own.
//
// Bucket facts are cached per client (see Options.FactTTL). Applying Enable
// again replaces the earlier registration.
func Enable(optFns ...func(*Options)) func(*s3.Options) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return func(so *s3.Options) {
		m := &checker{opts: o, facts: newFacts(o.FactTTL, o.Now), so: so}
		so.APIOptions = append(so.APIOptions, m.register)
	}
}

// checker is one registration: its options, the client's options and the
// client built from them at first use, and its cache.
type checker struct {
	opts  Options
	facts *facts
	// so are the options the checker was registered with; finished by the
	// first check, they give the region, the credentials and the client
	// the checks send their own requests with.
	so    *s3.Options
	inner stackid.Inner
}

// client returns the checks' own client, built at first use.
func (m *checker) client() API { return m.inner.Client(m.so) }

// accountID is the caller's account: Options.AccountID, or the one the
// credentials carry, or "".
func (m *checker) accountID(ctx context.Context) string {
	if m.opts.AccountID != "" {
		return m.opts.AccountID
	}
	if m.so.Credentials == nil {
		return ""
	}
	c, err := m.so.Credentials.Retrieve(ctx)
	if err != nil {
		return ""
	}
	return c.AccountID
}

func (m *checker) register(stack *middleware.Stack) error {
	if presign, err := stackid.Unregister(stack, stackid.Precheck); presign || err != nil {
		return err
	}
	var mw middleware.InitializeMiddleware = m
	if stack.ID() == "DeleteObjects" && m.opts.LockedVersionBatch.on(false) {
		mw = &batchCall{checker: m} // per call: its request is decided once
	}
	// Behind the retry loop when it is there, so that each pass is checked.
	if _, ok := stack.Initialize.Get(stackid.Retry); ok {
		return stack.Initialize.Insert(mw, stackid.Retry, middleware.After)
	}
	return stack.Initialize.Add(mw, middleware.Before)
}

// ID returns the middleware's ID on the stack.
func (*checker) ID() string { return stackid.Precheck }

// HandleInitialize runs the check for the operation, if any, then the call.
func (m *checker) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	out middleware.InitializeOutput, md middleware.Metadata, err error,
) {
	o := &m.opts
	switch p := in.Parameters.(type) {
	case *s3.CreateBucketInput:
		if o.BucketName.on(false) {
			if err := naming.ValidateBucket(aws.ToString(p.Bucket)); err != nil {
				return out, md, m.refuse(ctx, Event{Check: "BucketName", Operation: "CreateBucket", Bucket: aws.ToString(p.Bucket)}, err)
			}
		}
		if o.CreateBucket.on(true) {
			if err := m.createBucket(ctx, p); err != nil {
				return out, md, err
			}
		}
		out, md, err = next.HandleInitialize(ctx, in)
		m.facts.forget(aws.ToString(p.Bucket), true) // whatever the answer: it may have been created
		if err == nil {
			m.facts.setOwned(aws.ToString(p.Bucket)) // we just created it (or S3 said it is ours)
		}
		return out, md, err
	case *s3.DeleteBucketInput:
		if o.EmptyFirst {
			if err := m.emptyBucket(ctx, p); err != nil {
				return out, md, err
			}
		} else if o.DeleteBucket.on(true) {
			if err := m.deleteBucket(ctx, p); err != nil {
				return out, md, err
			}
		}
		out, md, err = next.HandleInitialize(ctx, in)
		m.facts.forget(aws.ToString(p.Bucket), true) // whatever the answer: it may be gone
		return out, md, err
	case *s3.DeleteObjectInput:
		if err := m.deleteObject(ctx, p); err != nil {
			return out, md, err
		}
	case *s3.PutBucketVersioningInput:
		if o.SuspendOnLock.on(true) {
			if err := m.suspendVersioning(ctx, p); err != nil {
				return out, md, err
			}
		}
		out, md, err = next.HandleInitialize(ctx, in)
		m.facts.forget(aws.ToString(p.Bucket), false) // changed (or maybe changed) by this client
		return out, md, err
	}
	return next.HandleInitialize(ctx, in)
}

func (m *checker) emit(ctx context.Context, e Event) {
	if m.opts.OnEvent != nil {
		m.opts.OnEvent(e)
	}
	if l := m.opts.Logger; l != nil && l.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{slog.String("check", e.Check), slog.String("operation", e.Operation),
			slog.String("bucket", e.Bucket), slog.String("outcome", e.Outcome), slog.Int("requests", e.Requests)}
		if e.Key != "" {
			attrs = append(attrs, slog.String("key", e.Key))
		}
		if e.VersionID != "" {
			attrs = append(attrs, slog.String("version_id", e.VersionID))
		}
		if e.Deleted > 0 {
			attrs = append(attrs, slog.Int("deleted", e.Deleted))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		l.LogAttrs(ctx, slog.LevelDebug, "s3 precheck", attrs...)
	}
}
