package retry

import (
	"context"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/metrics"
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
		m := &middlewareImpl{l: l, opts: o}
		o.APIOptions = append(o.APIOptions, m.register)
	}
}

// register puts the loop at the front of the Initialize step, in place of
// an earlier registration; not on a presign client, nor when Disabled.
func (m *middlewareImpl) register(stack *middleware.Stack) error {
	presign, err := stackid.Unregister(stack, stackid.Retry)
	if presign || err != nil || m.l.opts.Disabled {
		return err
	}
	return stack.Initialize.Add(m, middleware.Before)
}

// middlewareImpl is the conflict loop on the Initialize step: there the
// input can still be changed (a new bucket name) and every later step runs
// again for each pass, the SDK's own retry loop included.
type middlewareImpl struct {
	l *loop
	// opts are the options the middleware was registered with, finished by
	// the time a conflict happens: the meter provider comes from them, and
	// the client that proves a conditional write (stackid.Inner).
	opts    *s3.Options
	once    sync.Once
	counter metrics.Int64Counter
	inner   stackid.Inner
}

// DecisionsMetric is the counter, on the client's MeterProvider, of the
// decisions the loop made, with the properties action, kind, operation and
// code.
const DecisionsMetric = "s3conflict.decisions"

// count adds a decision to the client's meter when it has one.
func (m *middlewareImpl) count(ctx context.Context, e Event) {
	m.once.Do(func() {
		if m.opts.MeterProvider == nil {
			return
		}
		c, err := m.opts.MeterProvider.Meter("github.com/s3conflict/s3conflict/retry").Int64Counter(DecisionsMetric,
			func(o *metrics.InstrumentOptions) {
				o.UnitLabel = "{decision}"
				o.Description = "S3 conflict decisions: retry, rename, accept, stop"
			})
		if err == nil {
			m.counter = c
		}
	})
	if m.counter == nil {
		return
	}
	m.counter.Add(ctx, 1, func(o *metrics.RecordMetricOptions) {
		o.Properties.Set("action", e.Action.String())
		o.Properties.Set("kind", e.Kind.String())
		o.Properties.Set("operation", e.Operation)
		o.Properties.Set("code", e.Code)
	})
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
	var cond *s3.PutObjectInput // a conditional PutObject
	token := ""
	if p, ok := in.Parameters.(*s3.PutObjectInput); ok && (p.IfNoneMatch != nil || p.IfMatch != nil) {
		cond = p
		if !m.l.opts.NoWriteToken {
			cond, token = withToken(p)
			in.Parameters = cond
		}
	}
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
	start := m.l.opts.Now()
	out, md, err = next.HandleInitialize(ctx, in)
	if err == nil {
		return out, md, nil
	}
	return m.slow(ctx, in, next, start, seeker, offset, rewindable, cond, token, out, md, err)
}

// slow is everything after a failed first attempt, kept out of the fast
// path so that a call without conflicts costs no more than it must.
func (m *middlewareImpl) slow(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	start time.Time, seeker io.Seeker, offset int64, rewindable bool, cond *s3.PutObjectInput, token string,
	out middleware.InitializeOutput, md middleware.Metadata, err error,
) (middleware.InitializeOutput, middleware.Metadata, error) {
	op := middleware.GetOperationName(ctx)
	t := &target{op: op, rewindable: rewindable, canAccept: emptyOutput(op) != nil, count: m.count}
	if seeker != nil {
		t.rewind = func() error {
			_, err := seeker.Seek(offset, io.SeekStart)
			return err
		}
	}
	t.describe = func(t *target) { t.bucket, t.key, t.uploadID = fieldsOf(in.Parameters) }
	renamed := ""
	if cb, ok := in.Parameters.(*s3.CreateBucketInput); ok {
		t.rename = func(name string) {
			cp := *cb // never change the caller's input
			cp.Bucket = &name
			in.Parameters = &cp
			renamed = name
		}
	}
	var proven *s3.PutObjectOutput
	if cond != nil {
		t.resolve = func(ctx context.Context) resolution {
			if sdkAttempts(md) < 2 {
				return lostRace // answered at the first send: a clean lost race
			}
			if token != "" {
				if proven = proveWrite(ctx, m.inner.Client(m.opts), cond, token); proven != nil {
					return ours
				}
			}
			return ambiguous
		}
	}
	attempts := 1
	accepted, err := m.l.run(ctx, t, start, err, func(ctx context.Context) error {
		attempts++
		var aerr error
		out, md, aerr = next.HandleInitialize(ctx, in)
		return aerr
	})
	if err != nil {
		return out, md, err
	}
	res := Result{Attempts: attempts, FinalBucket: renamed}
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

// Result is what the loop did for a call that succeeded after a conflict.
type Result struct {
	Attempts    int           // requests sent, the first included
	Accepted    conflict.Kind // the kind accepted as success, or None
	FinalBucket string        // after a rename: the bucket actually created
	// WriteProven: a conditional PutObject was answered 412 after the SDK
	// resent it, and the object carries this call's token: the first send
	// landed and its response was lost. The output's ETag and VersionId are
	// those of our write.
	WriteProven bool
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
