package retry

import (
	"context"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/stackid"
)

// OnConflict returns an s3.Client option that handles conflict answers as
// the Options say (defaults: see the package documentation).
//
// Give it to s3.NewFromConfig for every call of the client, or to a single
// call to override the client's: a later registration replaces an earlier
// one, so loops never nest. Each OnConflict value has its own Budget unless
// Options.Budget names one to share. Presigned requests are left alone, as
// are the CreateSession calls the SDK makes for directory buckets.
func OnConflict(optFns ...func(*Options)) func(*s3.Options) {
	l := newLoop(optFns, true)
	return func(o *s3.Options) {
		m := newMiddleware(l, o)
		o.APIOptions = append(o.APIOptions, m.register)
	}
}

// register puts the loop at the front of the Initialize step, in place of
// an earlier registration; not on a presign client, nor when Disabled.
func (m *middlewareImpl) register(stack *middleware.Stack) error {
	mw := m.inherit(stack)
	presign, err := stackid.Unregister(stack, stackid.Retry)
	if presign || err != nil || m.l.opts.Disabled {
		return err
	}
	return stack.Initialize.Add(mw, middleware.Before)
}

// middlewareImpl is the conflict loop on the Initialize step: there the
// input can still be changed (a new bucket name) and every later step runs
// again for each pass, the SDK's own retry loop included.
type middlewareImpl struct {
	l *loop
	// opts are the options the middleware was registered with, finished by
	// the time a conflict happens: the meter provider comes from them, and
	// the client that proves a conditional write (stackid.Inner).
	opts  *s3.Options
	meter meter
	inner stackid.Inner
	// coord queues the client's calls that S3 serializes per bucket, made
	// at the first such call (coordinator); nil with NoCoordination.
	coordOnce sync.Once
	coord     *coordinator
}

// newMiddleware returns the loop l's middleware for a client with options o.
func newMiddleware(l *loop, o *s3.Options) *middlewareImpl {
	return &middlewareImpl{l: l, opts: o, meter: meter{opts: o}}
}

// ID returns the middleware's ID on the stack.
func (*middlewareImpl) ID() string { return stackid.Retry }

// HandleInitialize sends the request and, on a conflict, runs the loop.
func (m *middlewareImpl) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	out middleware.InitializeOutput, md middleware.Metadata, err error,
) {
	if _, ok := in.Parameters.(*s3.CreateSessionInput); ok {
		return next.HandleInitialize(ctx, in) // the SDK's own call for directory buckets
	}
	start := m.l.opts.Now()
	var h held
	if bucket, ok := serialized(in.Parameters); ok {
		if c := m.coordinator(); c != nil {
			if h, err = m.take(ctx, c, bucket, start); err != nil {
				return out, md, err
			}
			defer c.release(h.ln)
		}
	}
	w, params := conditional(in.Parameters, m.l.opts.NoWriteToken)
	in.Parameters = params
	// Remember where a seekable body starts before the SDK reads it.
	body := bodyOf(in.Parameters)
	var seeker io.Seeker
	var offset int64
	rewindable := true
	if body != nil {
		var ok bool
		if seeker, ok = body.(io.Seeker); ok {
			var serr error
			if offset, serr = seeker.Seek(0, io.SeekCurrent); serr != nil {
				seeker, rewindable = nil, false
			}
		} else {
			rewindable = false
		}
	}
	out, md, err = next.HandleInitialize(ctx, in)
	if err == nil {
		if h.id != "" {
			m.done(ctx, h, in.Parameters, start, nil)
		}
		return out, md, nil
	}
	return m.slow(ctx, in, next, start, h, seeker, offset, rewindable, w, out, md, err)
}

// reader returns the client for this module's own reads (the proof of a
// conditional write).
func (m *middlewareImpl) reader() *s3.Client { return m.inner.Client(m.opts) }

// slow is everything after a failed first attempt, kept out of the fast
// path so that a call without conflicts costs no more than it must.
func (m *middlewareImpl) slow(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	start time.Time, h held, seeker io.Seeker, offset int64, rewindable bool, w *write,
	out middleware.InitializeOutput, md middleware.Metadata, err error,
) (middleware.InitializeOutput, middleware.Metadata, error) {
	op := middleware.GetOperationName(ctx)
	if w != nil {
		w.sends = unsettledSends(md, err)
	}
	if dc := inDo(ctx); dc != nil {
		out, md, err = m.aside(ctx, dc, op, in, w, out, md, err)
		if h.id != "" {
			m.done(ctx, h, in.Parameters, start, err)
		}
		return out, md, err
	}
	t := &target{op: op, params: in.Parameters, rewindable: rewindable, canAccept: emptyOutput(op) != nil, meter: &m.meter,
		held: h, waited: h.waited}
	if seeker != nil {
		t.rewind = func() error {
			_, err := seeker.Seek(offset, io.SeekStart)
			return err
		}
	}
	renamed := ""
	if cb, ok := in.Parameters.(*s3.CreateBucketInput); ok {
		t.rename = func(name string) {
			cp := *cb // never change the caller's input
			cp.Bucket = &name
			in.Parameters = &cp
			renamed = name
		}
	}
	var proven any
	if w != nil {
		t.refused = w.refused
		t.resolve = func(ctx context.Context) (r resolution) {
			r, proven = w.resolve(ctx, m.reader)
			return r
		}
	}
	attempts := 1
	accepted, err := m.l.run(ctx, t, start, err, func(ctx context.Context) error {
		attempts++
		var aerr error
		out, md, aerr = next.HandleInitialize(ctx, in)
		if w != nil {
			w.sends += unsettledSends(md, aerr)
		}
		return aerr
	})
	if err != nil {
		return out, md, err
	}
	res := Result{Attempts: attempts, FinalBucket: renamed, CallID: t.id}
	if accepted {
		out.Result = emptyOutput(op)
		res.Accepted = t.accepted
		if proven != nil {
			out.Result, res.WriteProven = proven, true
		}
	}
	md.Set(resultKey{}, res)
	return out, md, nil
}

// aside is the middleware inside Do: Do decides, so nothing is resent and
// nothing is emitted here. Only a 412 to a conditional write is resolved,
// counting the sends of the same write in Do's earlier passes: proven, it
// is the write's success; unproven after more than one send, a
// *conflict.Error with ErrAmbiguousWrite.
func (m *middlewareImpl) aside(ctx context.Context, dc *doCall, op string, in middleware.InitializeInput, w *write,
	out middleware.InitializeOutput, md middleware.Metadata, err error,
) (middleware.InitializeOutput, middleware.Metadata, error) {
	if w == nil {
		return out, md, err
	}
	failed := dc.join(w)
	kind := m.l.classifier.ClassifyOperation(op, err)
	if !w.refused(kind, err) {
		failed()
		return out, md, err
	}
	kind = conflict.PreconditionFailed // If-Match's 404 NoSuchKey too: the condition failed
	switch r, proven := w.resolve(ctx, m.reader); r {
	case ours:
		out.Result = proven
		md.Set(resultKey{}, Result{Attempts: 1, Accepted: kind, WriteProven: true})
		return out, md, nil
	case ambiguous:
		failed()
		bucket, key, _ := fieldsOf(in.Parameters)
		ce := conflict.NewError(kind, op, bucket, key, err)
		ce.Reason = ErrAmbiguousWrite
		return out, md, ce
	}
	return out, md, err
}

// Result is what the loop did for a call that succeeded after a conflict.
type Result struct {
	Attempts    int           // requests sent, the first included
	Accepted    conflict.Kind // the kind accepted as success, or None
	FinalBucket string        // after a rename: the bucket actually created
	// WriteProven: a conditional write (PutObject, CopyObject,
	// CompleteMultipartUpload) was answered 412 after it had been sent more
	// than once, and the object proves an earlier send ours (its token, or
	// for CompleteMultipartUpload the multipart ETag of the call's parts):
	// that send landed and its response was lost. The output's ETag and
	// VersionId are those of our write.
	WriteProven bool
	// CallID is the id all events and records of the call carry.
	CallID string
}

type resultKey struct{}

// ResultOf returns what the loop did for the call whose output metadata is
// md (output.ResultMetadata). ok is false when the call met no conflict (or
// the option was not installed): then the request was sent once.
func ResultOf(md middleware.Metadata) (r Result, ok bool) {
	r, ok = md.Get(resultKey{}).(Result)
	return r, ok
}

// FinalBucket returns the name CreateBucket actually created after a
// rename, from the output's ResultMetadata. ok is false when no rename
// happened. After a rename the original name belongs to someone else: use
// the final name from then on, with ExpectedBucketOwner on later calls.
func FinalBucket(md middleware.Metadata) (name string, ok bool) {
	r, _ := ResultOf(md)
	return r.FinalBucket, r.FinalBucket != ""
}

// emptyOutput returns the empty output that Accept returns for op, or nil
// when op has none.
func emptyOutput(op string) any {
	switch op {
	case "CreateBucket":
		return &s3.CreateBucketOutput{}
	case "RestoreObject":
		return &s3.RestoreObjectOutput{}
	}
	return nil
}

// bodyOf returns the request body of the inputs that have one.
func bodyOf(params any) io.Reader {
	switch in := params.(type) {
	case *s3.PutObjectInput:
		return in.Body
	case *s3.UploadPartInput:
		return in.Body
	case *s3.WriteGetObjectResponseInput:
		return in.Body
	}
	return nil
}

// fieldsOf reads the Bucket, Key and UploadId fields of any S3 input.
func fieldsOf(params any) (bucket, key, uploadID string) {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return "", "", ""
	}
	v = v.Elem()
	read := func(name string) string {
		f := v.FieldByName(name)
		if f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
			return f.Elem().String()
		}
		return ""
	}
	return read("Bucket"), read("Key"), read("UploadId")
}
