package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// outcome is what a call's answer tells the model about its write.
type outcome uint8

const (
	acked    outcome = iota // success: the write landed
	lostRace                // conflict.PreconditionFailed, not ambiguous: it did not land
	unknown                 // any other error: it may or may not have landed
)

var outcomeNames = [...]string{acked: "ok", lostRace: "lost", unknown: "unknown"}

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return acked
	case errors.Is(err, conflict.PreconditionFailed) && !errors.Is(err, retry.ErrAmbiguousWrite):
		return lostRace
	}
	return unknown
}

// state is one state a thing of one owner can be in: an object (present,
// body, tags) or a bucket fact (present; body is the versioning status or
// the bucket's tag).
type state struct {
	present bool
	body    string
	tags    string
}

func (s state) String() string {
	if !s.present {
		return "absent"
	}
	return fmt.Sprintf("%.24q tags=%q", s.body, s.tags)
}

// possible is the set of states something written by one goroutine only
// can be in: one state after an acknowledged write or a read, more after
// writes of unknown outcome.
type possible []state

func (p *possible) set(s state) { *p = possible{s} }

// widen adds s after a write of unknown outcome.
func (p *possible) widen(s state) {
	if !slices.Contains(*p, s) {
		*p = append(*p, s)
	}
}

// narrow keeps the states keep accepts; it reports false (and changes
// nothing) when none is left: what was seen is not a state the model allows.
func (p *possible) narrow(keep func(state) bool) bool {
	var q possible
	for _, s := range *p {
		if keep(s) {
			q = append(q, s)
		}
	}
	if len(q) == 0 {
		return false
	}
	*p = q
	return true
}

// mapped applies f to every state: after an unknown outcome the old
// states stay possible too.
func (p *possible) mapped(o outcome, f func(state) state) {
	var q possible
	for _, s := range *p {
		if o != acked {
			q.widen(s)
		}
		q.widen(f(s))
	}
	*p = q
}

// retag gives every present state tags t: after a tagging write (all of
// them when acknowledged, as extra states when unknown).
func (p *possible) retag(t string, o outcome) bool {
	var q possible
	for _, s := range *p {
		if o != acked {
			q.widen(s)
		}
		if s.present {
			s.tags = t
			q.widen(s)
		}
	}
	if len(q) == 0 {
		return false
	}
	*p = q
	return true
}

func (p possible) String() string {
	var b []string
	for _, s := range p {
		b = append(b, s.String())
	}
	return "{" + strings.Join(b, " | ") + "}"
}

// discrepancies collects what the server's state or an answer showed that
// the model does not allow.
type discrepancies struct {
	mu   sync.Mutex
	list []string
}

func (d *discrepancies) add(format string, args ...any) {
	d.mu.Lock()
	d.list = append(d.list, fmt.Sprintf(format, args...))
	d.mu.Unlock()
}

func (d *discrepancies) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list)
}

// verify reads the server's state with a client without faults and
// checks it against the model: every worker's objects, versioning, bucket
// tag and life bucket, then the shared keys.
func (c *chaos) verify(t *testing.T, plain *s3.Client, workers []*worker) {
	ctx := context.Background()
	check := func(w *worker, what string, got state, err error, p possible) {
		switch {
		case err != nil:
			c.bad.add("g%d %s: final read: %v", w.g, what, err)
		case !slices.Contains(p, got):
			c.bad.add("g%d %s: the server holds %v, the model allows %v", w.g, what, got, p)
		}
	}
	for _, w := range workers {
		for i, p := range w.objs {
			k := fmt.Sprintf("k%d", i)
			got, err := readObject(ctx, plain, w.own, k)
			check(w, k, got, err, p)
		}
		var got state
		v, err := plain.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &w.own})
		if err == nil && v.Status != "" {
			got = state{present: true, body: string(v.Status)}
		}
		check(w, "versioning", got, err, w.vers)
		got = absent
		bt, err := plain.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &w.own})
		if err == nil {
			if tag := tagValue(bt.TagSet); tag != "" {
				got = state{present: true, body: tag}
			}
		} else if s3err.Code(err) == "NoSuchTagSet" {
			err = nil
		}
		check(w, "bucket tag", got, err, w.btag)
		got, err = readLife(ctx, plain, w.life)
		check(w, "life bucket", got, err, w.lifeState)
	}
	c.verifyShared(ctx, plain)
}

// readObject reads an object's state: body and tag, or absent.
func readObject(ctx context.Context, c *s3.Client, bucket, key string) (state, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if s3err.Code(err) == "NoSuchKey" {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return absent, err
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return absent, err
	}
	return state{present: true, body: string(b), tags: tagValue(tags.TagSet)}, nil
}

// readLife reads a life bucket's state: whether it exists, and x's body.
func readLife(ctx context.Context, c *s3.Client, bucket string) (state, error) {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if s3err.Status(err) == 404 {
		return absent, nil
	}
	if err != nil {
		return absent, err
	}
	x, err := readObject(ctx, c, bucket, "x")
	return state{present: true, body: x.body}, err
}
