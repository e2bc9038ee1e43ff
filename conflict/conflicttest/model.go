package conflicttest

import (
	"net/http"
	"time"
)

// Model makes conflicts arise the way S3 makes them, instead of by script:
// whether a request meets one depends on what other requests are doing at
// the time, so a test can show whether a client makes conflicts worse or
// better. It models three causes:
//
//   - S3 applies the configuration writes of one bucket one at a time
//     (the Put and Delete calls of a bucket sub-resource: policy, tagging,
//     lifecycle, versioning, ...). A write takes ConfigApply before it is
//     answered, and another configuration write to the same bucket that
//     arrives meanwhile is answered 409 OperationAborted.
//   - After a DeleteBucket succeeds, CreateBucket of that name is answered
//     409 OperationAborted for RecreateWindow.
//   - A conditional write (PutObject, CopyObject or
//     CompleteMultipartUpload with If-Match or If-None-Match) takes
//     ConditionalWrite before it is applied, and another conditional write
//     to the same key that arrives meanwhile is answered 409
//     ConditionalRequestConflict.
//
// The zero Model is every cause at its default; a negative duration turns
// that cause off. Turn a model on with [Injector.SetModel] or [WithModel].
// Scripted faults come first: a request a Fault answers never reaches the
// model. [Record.Modeled] marks the answers the model gave.
//
// The model keeps time with the time package, so inside a testing/synctest
// bubble its durations pass in virtual time (see [WithInMemoryNetwork]): a
// test of a 200 ms apply takes microseconds and never flakes on a loaded
// machine.
type Model struct {
	// ConfigApply is how long a bucket configuration write takes. 0:
	// DefaultConfigApply; negative: configuration writes are not modeled.
	ConfigApply time.Duration
	// RecreateWindow is how long CreateBucket of a deleted bucket's name
	// is refused. 0: DefaultRecreateWindow; negative: not modeled.
	RecreateWindow time.Duration
	// ConditionalWrite is how long a conditional write is in flight. 0:
	// DefaultConditionalWrite; negative: not modeled.
	ConditionalWrite time.Duration
}

// The Model's defaults: S3's configuration writes are answered in 100–500 ms
// and the name of a deleted bucket stays blocked for seconds to minutes.
const (
	DefaultConfigApply      = 200 * time.Millisecond
	DefaultRecreateWindow   = 3 * time.Second
	DefaultConditionalWrite = 50 * time.Millisecond
)

// withDefaults fills the zero durations.
func (m Model) withDefaults() Model {
	fill := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	fill(&m.ConfigApply, DefaultConfigApply)
	fill(&m.RecreateWindow, DefaultRecreateWindow)
	fill(&m.ConditionalWrite, DefaultConditionalWrite)
	return m
}

// modelState is what the model remembers between requests: which buckets
// are applying a configuration write, when buckets were deleted, and how
// many conditional writes each key has in flight. The Injector's mutex
// guards it.
type modelState struct {
	m        Model
	applying map[string]bool      // bucket
	deleted  map[string]time.Time // bucket: when its DeleteBucket was answered
	writing  map[string]int       // bucket + "/" + key
}

// SetModel turns the model of S3's own conflict causes on, with m, for
// every request the Injector sees from now on, and forgets what an earlier
// model remembered. Requests in flight under an earlier model finish under
// it.
func (in *Injector) SetModel(m Model) {
	in.mu.Lock()
	in.model = &modelState{m: m.withDefaults(), applying: map[string]bool{}, deleted: map[string]time.Time{},
		writing: map[string]int{}}
	in.mu.Unlock()
}

// Messages S3 sends with the model's codes.
const (
	abortedMessage   = "A conflicting conditional operation is currently in progress against this resource. Please try again."
	conflictsMessage = "The conditional request cannot succeed due to a conflicting operation against this resource."
)

// modelDecide applies the model to a request the faults let through: it
// either answers it (d.status) or lets it go on, holding it for d.hold and
// calling d.done with the status the request was answered with. in.mu is
// held.
func (s *modelState) decide(d *decision, r *http.Request, now time.Time) {
	switch {
	case s.m.ConfigApply > 0 && isConfigWrite(r.Method, d.key, r.URL.Query()):
		if s.applying[d.bucket] {
			d.modelAnswer("OperationAborted", abortedMessage)
			return
		}
		s.applying[d.bucket] = true
		d.hold = s.m.ConfigApply
		d.done = func(int) { delete(s.applying, d.bucket) }
	case s.m.RecreateWindow > 0 && d.op == "CreateBucket":
		at, ok := s.deleted[d.bucket]
		if ok && now.Sub(at) < s.m.RecreateWindow {
			d.modelAnswer("OperationAborted", abortedMessage)
			return
		}
		delete(s.deleted, d.bucket)
	case s.m.RecreateWindow > 0 && d.op == "DeleteBucket":
		d.done = func(status int) {
			if status >= 200 && status < 300 {
				s.deleted[d.bucket] = time.Now()
			}
		}
	case s.m.ConditionalWrite > 0 && (d.op == "PutObject" || d.op == "CopyObject" || d.op == "CompleteMultipartUpload") &&
		(r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != ""):
		k := d.bucket + "/" + d.key
		if s.writing[k] > 0 {
			d.modelAnswer("ConditionalRequestConflict", conflictsMessage)
			return
		}
		s.writing[k]++
		d.hold = s.m.ConditionalWrite
		d.done = func(int) {
			if s.writing[k]--; s.writing[k] <= 0 {
				delete(s.writing, k)
			}
		}
	}
}

// modelAnswer makes d a 409 with code from the model.
func (d *decision) modelAnswer(code, message string) {
	d.status, d.code, d.message, d.modeled = http.StatusConflict, code, message, true
}
