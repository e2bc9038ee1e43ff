package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// worker is one of the chaos goroutines. It alone writes its own bucket
// (objects k0…k5, versioning, tags) and its life bucket (created and
// deleted), so the model of those is exact up to the writes of unknown
// outcome; it races the other workers on the shared keys, where the
// ledger and the server's history decide.
type worker struct {
	*chaos
	g         int
	rng       *rand.Rand
	clients   []*s3.Client
	updaters  []*retry.Updater
	c         *s3.Client     // the client of this op: one of clients
	u         *retry.Updater // its Updater
	oracle    *s3.Client     // the same account without faults
	own, life string
	objs      [6]possible
	hist      [6][]string // per own key: "id op outcome" of every op on it
	cur       int         // the own key of the op running, -1: none
	vers      possible    // versioning status: absent (never set), Enabled, Suspended
	btag      possible    // the bucket's tag: absent (none) or its value
	lifeState possible    // the life bucket: present or absent, with its one object's body ("": none)
}

var absent = state{}

// ops are the operations and their weights.
var ops = []struct {
	name   string
	weight int
	run    func(w *worker, ctx context.Context, id string) error
}{
	{"put", 12, (*worker).put},
	{"put-if-absent", 6, func(w *worker, ctx context.Context, id string) error { return w.putIfAbsent(ctx, id, false) }},
	{"put-if-match", 6, func(w *worker, ctx context.Context, id string) error { return w.putIfMatch(ctx, id, false) }},
	{"do-put-if-absent", 3, func(w *worker, ctx context.Context, id string) error { return w.putIfAbsent(ctx, id, true) }},
	{"do-put-if-match", 3, func(w *worker, ctx context.Context, id string) error { return w.putIfMatch(ctx, id, true) }},
	{"create-stranger", 2, (*worker).createStranger},
	{"get", 10, (*worker).get}, {"delete", 6, (*worker).delete}, {"put-tagging", 5, (*worker).putTagging},
	{"get-tagging", 4, (*worker).getTagging}, {"multipart", 5, (*worker).multipart},
	{"versioning", 3, (*worker).versioning}, {"bucket-tagging", 3, (*worker).bucketTagging},
	{"create-bucket", 3, (*worker).createBucket}, {"delete-bucket", 4, (*worker).deleteBucket},
	{"head-bucket", 2, (*worker).headBucket}, {"life-put", 2, (*worker).lifePut}, {"life-delete", 2, (*worker).lifeDelete},
	{"race-create", 6, (*worker).raceCreate}, {"race-update", 8, (*worker).raceUpdate},
	{"shared-tagging", 3, (*worker).sharedTagging}, {"updater", 6, (*worker).update}, {"claim", 5, (*worker).claim},
}

func (w *worker) pick() int {
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	n := w.rng.IntN(total)
	for i, o := range ops {
		if n < o.weight {
			return i
		}
		n -= o.weight
	}
	panic("unreachable")
}

// body is a small unique content: the op id, ":", up to 48 letters.
func (w *worker) body(id string) string {
	return id + ":" + strings.Repeat(string(rune('a'+w.rng.IntN(26))), w.rng.IntN(49))
}

func (w *worker) key() (string, *possible) {
	i := w.rng.IntN(len(w.objs))
	w.cur = i
	return fmt.Sprintf("k%d", i), &w.objs[i]
}

// done notes what the op just run did to the own key it chose, if any.
func (w *worker) done(id, op string, err error) {
	if w.cur >= 0 {
		class := "ok"
		if err != nil {
			class = errClass(err)
		}
		w.hist[w.cur] = append(w.hist[w.cur], id+" "+op+" "+class)
		w.cur = -1
	}
}

// absentKey is, most of the time, a key that may be absent: creates
// that can succeed.
func (w *worker) absentKey() (string, *possible) {
	for range 4 {
		k, p := w.key()
		if slices.Contains(*p, absent) {
			return k, p
		}
	}
	return w.key()
}

// unproven notes a conditional write to an own key that was reported
// ambiguous although, read right after (without faults), it is the
// current object: nobody else writes the key, so its token was there to
// prove it, unless the proof's own reads failed.
func (w *worker) unproven(id, k, b string, err error) {
	if !errors.Is(err, retry.ErrAmbiguousWrite) {
		return
	}
	if got, err := readObject(context.Background(), w.oracle, w.own, k); err == nil && got.body == b {
		w.mu.Lock()
		w.unprovenIDs = append(w.unprovenIDs, id)
		w.mu.Unlock()
	}
}

// bad records a discrepancy, with the history of the own key of the op.
func (w *worker) bad(id, format string, args ...any) {
	h := ""
	if w.cur >= 0 {
		h = fmt.Sprintf("; k%d so far: %q", w.cur, w.hist[w.cur][max(0, len(w.hist[w.cur])-12):])
	}
	w.chaos.bad.add("%s (g%d): %s%s", id, w.g, fmt.Sprintf(format, args...), h)
}

// written applies a write of s to p: s after success; s or the old state
// after an unknown outcome; the old state after a lost race.
func written(p *possible, s state, err error) {
	switch outcomeOf(err) {
	case acked:
		p.set(s)
	case unknown:
		p.widen(s)
	}
}

func (w *worker) put(ctx context.Context, id string) error {
	k, p := w.key()
	b := w.body(id)
	_, err := w.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &w.own, Key: &k, Body: strings.NewReader(b)})
	written(p, state{present: true, body: b}, err)
	return err
}

// putObject sends in with body b: through retry.Do when viaDo (which then
// decides about resends, the client's loop stepping aside); otherwise a
// quarter of the calls replace the client's OnConflict with their own.
func (w *worker) putObject(ctx context.Context, viaDo bool, in s3.PutObjectInput, b string) error {
	var perCall []func(*s3.Options)
	if !viaDo && w.rng.IntN(4) == 0 {
		perCall = append(perCall, retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 5 }))
	}
	send := func(ctx context.Context) error {
		in := in
		in.Body = strings.NewReader(b) // built afresh for every call, as Do requires
		_, err := w.c.PutObject(ctx, &in, perCall...)
		return err
	}
	if !viaDo {
		return send(ctx)
	}
	return retry.Do(ctx, send, fast)
}

func (w *worker) putIfAbsent(ctx context.Context, id string, viaDo bool) error {
	k, p := w.absentKey()
	b := w.body(id)
	err := w.putObject(ctx, viaDo, s3.PutObjectInput{Bucket: &w.own, Key: &k, IfNoneMatch: aws.String("*")}, b)
	w.created(id, k, p, state{present: true, body: b}, err)
	return err
}

// created checks and applies a create-if-absent.
func (w *worker) created(id, k string, p *possible, s state, err error) {
	w.unproven(id, k, s.body, err)
	if err == nil && !p.narrow(func(s state) bool { return !s.present }) {
		w.bad(id, "%s: If-None-Match * acknowledged, but the key held %v", k, *p)
	}
	written(p, s, err)
}

func (w *worker) putIfMatch(ctx context.Context, id string, viaDo bool) error {
	k, p := w.key()
	var cur []state
	for _, s := range *p {
		if s.present {
			cur = append(cur, s)
		}
	}
	if len(cur) == 0 {
		return w.putIfAbsent(ctx, id, viaDo)
	}
	old := cur[w.rng.IntN(len(cur))]
	b := w.body(id)
	err := w.putObject(ctx, viaDo, s3.PutObjectInput{Bucket: &w.own, Key: &k, IfMatch: aws.String(md5hex([]byte(old.body)))}, b)
	w.unproven(id, k, b, err)
	written(p, state{present: true, body: b}, err)
	return err
}

func (w *worker) get(ctx context.Context, id string) error {
	k, p := w.key()
	out, err := w.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.own, Key: &k})
	if err == nil {
		var got []byte
		got, err = io.ReadAll(out.Body)
		out.Body.Close()
		if err == nil && !p.narrow(func(s state) bool { return s.present && s.body == string(got) }) {
			w.bad(id, "%s: read %.40q, the model allows %v", k, got, *p)
		}
	} else if s3err.Code(err) == "NoSuchKey" && !p.narrow(func(s state) bool { return !s.present }) {
		w.bad(id, "%s: NoSuchKey, the model allows %v", k, *p)
	}
	return err
}

func (w *worker) delete(ctx context.Context, id string) error {
	k, p := w.key()
	_, err := w.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &w.own, Key: &k})
	written(p, absent, err)
	return err
}

func (w *worker) putTagging(ctx context.Context, id string) error {
	k, p := w.key()
	_, err := w.c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: &w.own, Key: &k,
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("chaos"), Value: aws.String(id)}}}})
	if o := outcomeOf(err); !p.retag(id, o) && o == acked {
		w.bad(id, "%s: tagging acknowledged, but the model says absent", k)
	}
	return err
}

func (w *worker) getTagging(ctx context.Context, id string) error {
	k, p := w.key()
	out, err := w.c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &w.own, Key: &k})
	if err == nil {
		tag := tagValue(out.TagSet)
		if !p.narrow(func(s state) bool { return s.present && s.tags == tag }) {
			w.bad(id, "%s: tag %q, the model allows %v", k, tag, *p)
		}
	} else if s3err.Code(err) == "NoSuchKey" && !p.narrow(func(s state) bool { return !s.present }) {
		w.bad(id, "%s: tagging NoSuchKey, the model allows %v", k, *p)
	}
	return err
}

func tagValue(tags []types.Tag) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == "chaos" {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func (w *worker) multipart(ctx context.Context, id string) error {
	k, p := w.key()
	b := w.body(id)
	up := retry.MultipartUpload{Create: &s3.CreateMultipartUploadInput{Bucket: &w.own, Key: &k},
		Body: strings.NewReader(b), Size: int64(len(b))}
	if w.rng.IntN(2) == 0 {
		up.IfNoneMatch = aws.String("*")
	}
	_, err := retry.UploadMultipart(ctx, w.c, up)
	if up.IfNoneMatch != nil {
		w.created(id, k, p, state{present: true, body: b}, err)
	} else {
		written(p, state{present: true, body: b}, err)
	}
	return err
}
