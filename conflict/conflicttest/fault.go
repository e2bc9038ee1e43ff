package conflicttest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"sync"
	"time"
)

// Fault is one rule of an Injector: which requests it matches and what
// they get instead of (or in addition to) the real answer. Zero fields
// match anything and add nothing.
type Fault struct {
	// Operation is the S3 operation to match, as the API model names it
	// ("PutBucketTagging"); empty: every operation.
	Operation string
	// Bucket and Key are path.Match patterns ("logs-*"); empty: any.
	Bucket, Key string

	// Status and Code make the answer: an S3 XML error document with Code,
	// x-amz-request-id and x-amz-id-2. Code alone implies status 409;
	// Status alone sends a body-less error. Neither: the request goes to
	// the backend (useful with Latency or LoseResponse).
	Status int
	Code   string

	// Times limits the fault to its first N matching requests; 0: no limit.
	Times int
	// Probability, when in (0, 1), applies the fault to that share of the
	// matching requests, drawn from the Injector's seeded source.
	Probability float64
	// Window limits the fault to this long after its first match; 0: no limit.
	Window time.Duration
	// Latency delays the answer (injected or real) by this much.
	Latency time.Duration
	// LoseResponse lets the request reach the backend and then drops the
	// response and closes the connection: the write happened, the client
	// never hears of it (and the SDK's own retryer resends it).
	LoseResponse bool

	matched int
	first   time.Time
}

// Record is one request the Injector saw, with what was answered. Records
// are kept in the order the answers were given, so for writes the model
// held, the order in which they took effect.
type Record struct {
	Time      time.Time // when the answer was given
	Operation string
	Method    string
	Bucket    string
	Key       string
	Status    int    // the status the client was sent; 0 when the response was lost
	Code      string // the S3 error code, when the answer was an error
	Injected  bool   // the answer came from a Fault, not the backend
	Modeled   bool   // the answer came from the Model (Code says which conflict), not the backend
	Lost      bool   // the backend's response was dropped
}

// Injector applies Faults, then the Model when one is set (SetModel), to
// S3 requests: in front of a server with Handler, or in the client with
// Client. It records every request (Records). It is safe for concurrent
// use.
type Injector struct {
	mu      sync.Mutex
	faults  []*Fault
	rng     *rand.Rand
	records []Record
	reqID   int
	model   *modelState // nil: no model
}

// NewInjector returns an Injector with the given faults, drawing
// probabilities from a source seeded with seed (the same seed gives the
// same choices for the same sequence of requests).
func NewInjector(seed uint64, faults ...Fault) *Injector {
	in := &Injector{rng: rand.New(rand.NewPCG(seed, seed^0x5c0f1c7))}
	for _, f := range faults {
		in.Add(f)
	}
	return in
}

// Add appends a fault. Faults are tried in the order they were added; the
// first that applies to a request decides its fate.
func (in *Injector) Add(f Fault) {
	if f.Code != "" && f.Status == 0 {
		f.Status = http.StatusConflict
	}
	f.matched, f.first = 0, time.Time{}
	in.mu.Lock()
	in.faults = append(in.faults, &f)
	in.mu.Unlock()
}

// Reset removes every fault, turns the model off and forgets the records.
func (in *Injector) Reset() {
	in.mu.Lock()
	in.faults, in.records, in.model = nil, nil, nil
	in.mu.Unlock()
}

// Records returns a copy of what was served so far, in order.
func (in *Injector) Records() []Record {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Record(nil), in.records...)
}

// Count returns how many recorded requests were for operation op ("" for
// all).
func (in *Injector) Count(op string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, r := range in.records {
		if op == "" || r.Operation == op {
			n++
		}
	}
	return n
}

// decision is what happens to one request.
type decision struct {
	op, bucket, key string
	status          int
	code            string
	latency         time.Duration
	lose            bool
	requestID       string

	// From the model: the answer is the model's (status and code above,
	// with message); or the request is held this long before it goes on,
	// and done is told the status it was finally answered with.
	modeled bool
	message string
	hold    time.Duration
	done    func(status int)
}

func (in *Injector) decide(r *http.Request) decision {
	bucket, key := target(r)
	d := decision{bucket: bucket, key: key}
	d.op = Operation(r.Method, bucket, key, r.URL.Query(), r.Header)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.reqID++
	d.requestID = fmt.Sprintf("CT%08X", in.reqID)
	now := time.Now()
	for _, f := range in.faults {
		if !f.match(d.op, bucket, key) {
			continue
		}
		if f.Times > 0 && f.matched >= f.Times {
			continue
		}
		if f.Window > 0 && !f.first.IsZero() && now.Sub(f.first) >= f.Window {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && in.rng.Float64() >= f.Probability {
			continue
		}
		if f.first.IsZero() {
			f.first = now
		}
		f.matched++
		d.status, d.code, d.latency, d.lose = f.Status, f.Code, f.Latency, f.LoseResponse
		break
	}
	if d.status == 0 && in.model != nil {
		in.model.decide(&d, r, now)
	}
	return d
}

// finish tells the model how a request it let through was answered (0:
// never answered).
func (in *Injector) finish(d decision, status int) {
	if d.done == nil {
		return
	}
	in.mu.Lock()
	d.done(status)
	in.mu.Unlock()
}

func (f *Fault) match(op, bucket, key string) bool {
	if f.Operation != "" && f.Operation != op {
		return false
	}
	if f.Bucket != "" {
		if ok, _ := path.Match(f.Bucket, bucket); !ok {
			return false
		}
	}
	if f.Key != "" {
		if ok, _ := path.Match(f.Key, key); !ok {
			return false
		}
	}
	return true
}

func (in *Injector) record(d decision, method string, status int, code string, injected, lost bool) {
	in.mu.Lock()
	in.records = append(in.records, Record{Time: time.Now(), Operation: d.op, Method: method, Bucket: d.bucket,
		Key: d.key, Status: status, Code: code, Injected: injected && !d.modeled, Modeled: injected && d.modeled, Lost: lost})
	in.mu.Unlock()
}
