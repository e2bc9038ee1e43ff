package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// snapshot is one state of an object: read, or written by us.
type snapshot struct {
	exists          bool
	body            []byte
	etag, versionID string
	token           string    // TokenMetadataKey of this state
	lineage         []string  // LineageMetadataKey, newest first
	writes          uint64    // WritesMetadataKey; 0: none
	wrote           time.Time // when the write was made, by its writer's clock; zero: unknown
	user            map[string]string
	contentType     *string
	gen             uint64 // queue.gen when it was taken
	// headOnly: read with HeadObject; body, user and contentType are not
	// known.
	headOnly bool
	size     int64  // the content's length
	yield    string // YieldMetadataKey: the yield its write carried; "": none
	// held is HeldMetadataKey: how long the key had gone without a yield
	// when its write was made; 0: unknown.
	held time.Duration
	// known is when the queue took it as its known state (read, or
	// written by us): writes on top of it came since (see streaming).
	known time.Time
}

// headMark is what a write over s is conditioned on, for pendingWrite.base.
func (s *snapshot) headMark() string {
	if !s.exists {
		return rootMark
	}
	return s.token
}

// read gets the object's current state; absent is a state, not an error.
// With headers, and an *s3.Client, it reads only the object's headers:
// enough to tell what changed, not to write. Only an *s3.Client: the
// HeadObject of another ObjectClient (a wrapper that embeds one and
// rewrites keys in GetObject and PutObject, a partial test double) need
// not read the same object, or work at all.
func (u *Updater) read(ctx context.Context, k objectKey, headers bool) (*snapshot, error) {
	if h, ok := u.c.(*s3.Client); ok && headers {
		out, err := h.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &k.bucket, Key: &k.key})
		if err != nil {
			// A body-less 404: no such key, or no such bucket, which the
			// read before a write tells.
			var nf *types.NotFound
			if errors.As(err, &nf) || noSuchKey(err) {
				return &snapshot{}, nil
			}
			return nil, err
		}
		size := aws.ToInt64(out.ContentLength)
		if u.opts.MaxSize > 0 && size > u.opts.MaxSize {
			return nil, u.tooLarge(k, size)
		}
		s := &snapshot{exists: true, etag: aws.ToString(out.ETag), versionID: aws.ToString(out.VersionId), headOnly: true, size: size}
		s.token, s.lineage, s.writes = lineageOf(out.Metadata)
		s.wrote, s.yield, s.held = wroteAt(out.Metadata), out.Metadata[YieldMetadataKey], heldOf(out.Metadata)
		return s, nil
	}
	out, err := u.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &k.bucket, Key: &k.key})
	if err != nil {
		if noSuchKey(err) {
			return &snapshot{}, nil
		}
		return nil, err
	}
	defer out.Body.Close()
	max := u.opts.MaxSize
	if n := aws.ToInt64(out.ContentLength); max > 0 && n > max {
		return nil, u.tooLarge(k, n)
	}
	r := io.Reader(out.Body)
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("s3conflict: reading s3://%s/%s: %w", k.bucket, k.key, err)
	}
	if max > 0 && int64(len(body)) > max {
		return nil, u.tooLarge(k, int64(len(body)))
	}
	s := &snapshot{exists: true, body: body, etag: aws.ToString(out.ETag), versionID: aws.ToString(out.VersionId),
		contentType: out.ContentType, size: int64(len(body))}
	s.token, s.lineage, s.writes = lineageOf(out.Metadata)
	s.wrote, s.yield, s.held = wroteAt(out.Metadata), out.Metadata[YieldMetadataKey], heldOf(out.Metadata)
	for mk, v := range out.Metadata {
		if ownMetadata(mk) {
			continue
		}
		if s.user == nil {
			s.user = make(map[string]string, len(out.Metadata))
		}
		s.user[mk] = v
	}
	return s, nil
}

// tooLarge is the error for an object of n bytes or more over MaxSize.
func (u *Updater) tooLarge(k objectKey, n int64) error {
	return fmt.Errorf("s3conflict: update of s3://%s/%s: object is %d bytes or more, cap %d (UpdateOptions.MaxSize): %w",
		k.bucket, k.key, n, u.opts.MaxSize, ErrTooLarge)
}

// noSuchKey reports the answer for a missing object.
func noSuchKey(err error) bool {
	var nsk *types.NoSuchKey
	return errors.As(err, &nsk) || s3err.Code(err) == "NoSuchKey"
}

// rememberLocked makes s the queue's known state. Called with u.mu held. Content over 64 KiB, or with
// MaxCached negative, is not kept: the next round reads it again.
func (u *Updater) rememberLocked(q *queue, s *snapshot) {
	q.gen++
	s.gen, s.known = q.gen, u.opts.Now()
	q.snap = s
	if u.opts.MaxCached < 0 || len(s.body) > maxCachedSize {
		q.snap = nil
	}
}

// after returns the state a write of in made: s's, with in's body and
// the token, lineage and write count in's metadata carry.
func after(s *snapshot, in *s3.PutObjectInput, body []byte, etag, versionID string) *snapshot {
	token, lineage, writes := lineageOf(in.Metadata)
	return &snapshot{exists: true, body: body, etag: etag, versionID: versionID, token: token,
		contentType: s.contentType, user: s.user, lineage: lineage, writes: writes, wrote: wroteAt(in.Metadata),
		yield: in.Metadata[YieldMetadataKey], held: heldOf(in.Metadata)}
}

// settledErr carries an answer past the resend loop unjudged: it has no
// Unwrap, so the loop's classifier sees no conflict in it.
type settledErr struct{ err error }

func (e *settledErr) Error() string { return e.err.Error() }

// put sends a conditional write, resending it as is while it is answered
// ConditionalRequestConflict (as the Options say). It counts the sends,
// the SDK's own resends included, whose answer did not prove the write
// refused: no answer, or a 5xx. The client's OnConflict steps aside: this
// is the only decision-maker of the request; inside Do, it sends once and
// Do decides.
func (u *Updater) put(ctx context.Context, in *s3.PutObjectInput, body []byte) (*s3.PutObjectOutput, int, error) {
	unknown, counted := 0, false
	count := onSend(func(err error) {
		counted = true
		if st := s3err.Status(err); err != nil && (st == 0 || st >= 500) {
			unknown++
		}
	})
	var out *s3.PutObjectOutput
	attempt := func(ctx context.Context) error {
		cp := *in
		cp.Body = bytes.NewReader(body)
		o, err := u.c.PutObject(ctx, &cp, u.own, count, settleFirst)
		if err == nil {
			out = o
			return nil
		}
		if u.l.classifier.ClassifyOperation("PutObject", err) == conflict.Transient {
			return err
		}
		return &settledErr{err}
	}
	start := u.opts.Now()
	err := attempt(ctx)
	var se *settledErr
	if err != nil && !errors.As(err, &se) && inDo(ctx) == nil { // inside Do, Do decides
		t := &target{op: "PutObject", bucket: aws.ToString(in.Bucket), key: aws.ToString(in.Key), rewindable: true}
		_, err = u.l.run(ctx, t, start, err, attempt)
	}
	if errors.As(err, &se) {
		err = se.err
	}
	if err != nil && !counted {
		// The client ignored the options (an ObjectClient of the
		// caller's that does not pass them on): its sends were not
		// counted, and any of them may have landed.
		unknown = max(unknown, 1)
	}
	return out, unknown, err
}

// isLostRace reports a write refused because the object changed: 412, or
// NoSuchKey for If-Match on a key deleted since the read.
func isLostRace(err error) bool {
	code := s3err.Code(err)
	return s3err.Status(err) == http.StatusPreconditionFailed || code == "PreconditionFailed" || code == "NoSuchKey"
}

// settleFirst keeps the SDK's retryer from resending a write whose send
// may have landed (no answer, or a 5xx other than 503): the Updater reads
// the object at once and judges it by the lineage, which remembers the
// last 32 writes. The SDK's resend comes after its backoff, up to seconds,
// by when a busy key may have moved on by more writes than that, and the
// write could then be proven neither way. Everything else (503 SlowDown,
// RequestTimeout, throttling) the SDK resends as before.
func settleFirst(o *s3.Options) {
	if o.Retryer != nil {
		o.Retryer = settleFirstRetryer{o.Retryer}
	}
}

type settleFirstRetryer struct{ aws.Retryer }

func (r settleFirstRetryer) IsErrorRetryable(err error) bool {
	if st := s3err.Status(err); st == 0 || (st >= 500 && st != http.StatusServiceUnavailable) {
		return false
	}
	return r.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken keeps the inner retryer's own (aws.RetryerV2).
func (r settleFirstRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.GetInitialToken(), nil
}

// definite reports an answer that proves the request was refused: a 4xx
// other than the conflict answers.
func definite(err error) bool {
	st := s3err.Status(err)
	return st >= 400 && st < 500 && st != http.StatusConflict && st != http.StatusPreconditionFailed &&
		!strings.EqualFold(s3err.Code(err), "RequestTimeout")
}
