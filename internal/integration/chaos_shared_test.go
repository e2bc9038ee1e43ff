package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// write is one write to a key many goroutines write: what was sent and
// what its caller was told.
type write struct {
	id      string
	op      string // "create" (If-None-Match *), "update" (If-Match), "update-fn", "claim"
	body    string // what it wrote ("" for an Updater's function)
	ifMatch string // the ETag of an update's condition
	out     outcome
	version string // the VersionId of an acknowledged write
	owner   string // for a lost claim: the owner its error named
	// start and end: when the call began and returned.
	start, end time.Time
	err        error
}

// ledger holds the writes to the shared keys, in the order they returned.
type ledger struct {
	mu     sync.Mutex
	writes map[string][]write // by key
}

func (l *ledger) add(key string, w write) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writes == nil {
		l.writes = map[string][]write{}
	}
	l.writes[key] = append(l.writes[key], w)
}

func (l *ledger) keys(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []string
	for k := range l.writes {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func (l *ledger) of(key string) map[string]write {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]write{}
	for _, w := range l.writes[key] {
		m[w.id] = w
	}
	return m
}

// landed checks, for one shared key, the ids of the writes that the
// server's state shows landed (count: how often each appears) against what
// their callers were told.
func (c *chaos) landed(key string, writes map[string]write, count map[string]int) {
	fail := c.bad.add
	for id, n := range count {
		w, ok := writes[id]
		switch {
		case !ok:
			fail("%s: holds %q, which no call wrote", key, id)
		case n > 1:
			fail("%s: write %s landed %d times", key, id, n)
		case w.out == lostRace:
			fail("%s: write %s landed, but its caller was told it lost the race: %v", key, id, w.err)
		}
	}
	for id, w := range writes {
		if w.out == unknown {
			c.tallyUnknown(w.op+": "+errClass(w.err), count[id] > 0)
		}
		if w.out == acked && count[id] == 0 {
			fail("%s: write %s (%s) was acknowledged but is not there", key, id, w.op)
		}
	}
}

// raceKey is one of the shared keys of the race bucket (versioned), all
// written with conditions only: creates with If-None-Match *, updates
// with If-Match on the ETag just read.
func (w *worker) raceKey() string { return fmt.Sprintf("r%d", w.rng.IntN(w.raceKeys)) }

func (w *worker) raceCreate(ctx context.Context, id string) error {
	return w.racePut(ctx, id, w.raceKey(), "")
}

func (w *worker) raceUpdate(ctx context.Context, id string) error {
	k := w.raceKey()
	out, err := w.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.race, Key: &k})
	if err != nil {
		if s3err.Code(err) == "NoSuchKey" {
			return w.racePut(ctx, id, k, "")
		}
		return err
	}
	out.Body.Close()
	return w.racePut(ctx, id, k, strings.Trim(aws.ToString(out.ETag), `"`))
}

func (w *worker) racePut(ctx context.Context, id, k, ifMatch string) error {
	b := w.body(id)
	in := &s3.PutObjectInput{Bucket: &w.race, Key: &k, Body: bytes.NewReader([]byte(b)), IfNoneMatch: aws.String("*")}
	op := "create"
	if ifMatch != "" {
		in.IfNoneMatch, in.IfMatch, op = nil, aws.String(`"`+ifMatch+`"`), "update"
	}
	out, err := w.c.PutObject(ctx, in)
	rec := write{id: id, op: op, body: b, ifMatch: ifMatch, out: outcomeOf(err), err: err}
	if err == nil {
		rec.version = aws.ToString(out.VersionId)
	}
	w.ledger.add(k, rec)
	return err
}

// update appends the op id to a JSON list on a shared key of the race
// bucket (versioned) through the client's Updater: the final list names
// every update that landed, once, and the version an update was
// acknowledged with holds it.
func (w *worker) update(ctx context.Context, id string) error {
	k := fmt.Sprintf("u%d", w.rng.IntN(4))
	res, err := w.u.Update(ctx, w.race, k, func(cur []byte, exists bool) ([]byte, error) {
		var v struct{ IDs []string }
		if exists {
			if err := json.Unmarshal(cur, &v); err != nil {
				return nil, err
			}
		}
		v.IDs = append(v.IDs, id)
		return json.Marshal(v)
	})
	w.ledger.add(k, write{id: id, op: "update-fn", out: outcomeOf(err), err: err, version: res.VersionID})
	return err
}

func (w *worker) claim(ctx context.Context, id string) error {
	k := fmt.Sprintf("c%d", w.rng.IntN(w.claimKeys))
	_, err := w.u.Claim(ctx, w.upd, k, id)
	rec := write{id: id, op: "claim", body: id, out: outcomeOf(err), err: err}
	var lost *retry.ClaimLost
	if errors.As(err, &lost) {
		rec.owner = lost.Owner
	}
	w.ledger.add(k, rec)
	return err
}

// sharedTagging tags the shared unversioned bucket from every worker: the
// client queues configuration writes of one bucket. The tag left at the
// end must be the last write's: no write that began after it had
// returned may have succeeded. A third of the calls get a deadline of 0
// to 20 ms, so that some leave the queue (or the loop) early.
func (w *worker) sharedTagging(ctx context.Context, id string) error {
	if w.rng.IntN(3) == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(w.rng.IntN(21))*time.Millisecond)
		defer cancel()
	}
	start := time.Now()
	_, err := w.c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &w.upd,
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("chaos"), Value: aws.String(id)}}}})
	w.ledger.add(tagKey, write{id: id, op: "tagging", out: outcomeOf(err), err: err, start: start, end: time.Now()})
	return err
}

// tagKey is the ledger's name for the shared bucket's tag.
const tagKey = "tagging"
